"""Hidden data leaves no trace: for a sales rep, every answer about a record,
a field or a link they may not see is the answer about one that does not
exist. Walks every API operation that takes a record id in its path or in a
query filter (from the live OpenAPI document and the record registry), and
compares the two answers with the ids written out of them."""

import json
import re
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from uuid6 import uuid7

from kontor.access.policy import visible_records
from kontor.contacts.services import contact_create
from kontor.core.records import record_types
from tests.access.world import build_world
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
ID_PARAMETERS = {kind.api_parameter: kind.key for kind in record_types() if kind.api_parameter}


class Rollback(Exception):
    pass


def is_hidden(user: Any, key: str, record: Any) -> bool:
    return not visible_records(user, key).filter(pk=record.pk).exists()


def _answer(client, method: str, url: str, query: dict[str, Any], ids: dict[str, str]) -> tuple:
    """Status and body of a call, with each id written as its name, made in a
    savepoint that is rolled back."""
    try:
        with transaction.atomic():
            url = PREFIX + url
            if method == "GET":
                response = client.get(url, query)
            elif method == "DELETE":
                response = client.delete(url)
            else:
                response = getattr(Client, method.lower())(
                    client, url, json.dumps({}), content_type="application/json"
                )
            body = b"".join(response.streaming_content) if response.streaming else response.content
            raise Rollback
    except Rollback:
        pass
    text = body.decode(errors="replace")
    for value, name in ids.items():
        text = text.replace(value, name)
    return response.status_code, text[:500]


@pytest.fixture
def world(settings):
    settings.KONTOR_API_RATE_LIMIT = None
    settings.KONTOR_EVENT_STREAM_SECONDS = 0
    return build_world("sales")


def _operations() -> list[tuple[str, str, dict]]:
    document = Client().get(f"{PREFIX}/openapi.json").json()
    return [
        (method.upper(), path.removeprefix(PREFIX), operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_a_hidden_record_answers_as_one_that_does_not_exist(world):
    api = api_client_for(world.me)
    hidden = world.records["foreign"]
    compared = 0
    differences = []
    for method, path, _operation in _operations():
        names = re.findall(r"{(\w+)}", path)
        record_names = [n for n in names if n in ID_PARAMETERS]
        if len(names) != 1 or len(record_names) != 1:
            continue
        key = ID_PARAMETERS[record_names[0]]
        if not is_hidden(world.me, key, hidden.of(key)):
            continue  # e.g. products: everyone reads them
        hidden_id, missing_id = str(hidden.of(key).pk), str(uuid7())
        answers = [
            _answer(
                api,
                method,
                path.replace(f"{{{record_names[0]}}}", value),
                {},
                {value: "THE-ID"},
            )
            for value in (hidden_id, missing_id)
        ]
        compared += 1
        if answers[0] != answers[1]:
            differences.append(f"{method} {path}: hidden {answers[0]} / missing {answers[1]}")
    assert compared > 10
    assert not differences, "\n".join(differences)


def test_a_filter_by_a_hidden_record_answers_as_one_by_a_record_that_does_not_exist(world):
    api = api_client_for(world.me)
    hidden = world.records["foreign"]
    compared = 0
    differences = []
    for method, path, operation in _operations():
        if method != "GET" or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter.get("in") != "query" or name not in ID_PARAMETERS:
                continue
            if not is_hidden(world.me, ID_PARAMETERS[name], hidden.of(ID_PARAMETERS[name])):
                continue
            hidden_id, missing_id = str(hidden.of(ID_PARAMETERS[name]).pk), str(uuid.uuid4())
            answers = [
                _answer(api, method, path, {name: value}, {value: "THE-ID"})
                for value in (hidden_id, missing_id)
            ]
            compared += 1
            if answers[0] != answers[1]:
                differences.append(f"{path}?{name}=: hidden {answers[0]} / missing {answers[1]}")
    assert compared >= 4
    assert not differences, "\n".join(differences)


def test_a_hidden_custom_field_answers_as_one_that_does_not_exist(world):
    """The rep may not read special data: writing the special field "diagnosis"
    is answered like writing a field nobody defined."""
    api = api_client_for(world.me)
    contact = world.records["own"].contact
    answers = []
    for key in ("diagnosis", "no_such_field"):
        response = api.patch(f"{PREFIX}/contacts/{contact.pk}", {"custom": {key: "x"}})
        answers.append((response.status_code, response.content.decode().replace(key, "KEY")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422
    assert "diagnosis" not in answers[0][1]


def test_a_hidden_link_answers_as_no_link(world):
    """The rep's own contact at an organization of another team shows in the
    360° view like the rep's own contact without any organization."""
    api = api_client_for(world.me)
    linked, unlinked = (
        contact_create(
            actor=world.admin,
            data={
                "first_name": "Lena",
                "last_name": "Link",
                "owner_id": world.me.pk,
                "organization_id": organization,
            },
        )
        for organization in (world.records["foreign"].organization.pk, None)
    )
    views = []
    for contact in (linked, unlinked):
        view = api.get(f"{PREFIX}/contacts/{contact.pk}/overview").json()
        views.append({k: v for k, v in view.items() if k not in ("contact", "record")})
    assert views[0]["missing_fields"] == views[1]["missing_fields"]
    assert "organization" in views[0]["missing_fields"]
    assert views[0] == views[1]


def test_a_write_never_overwrites_a_link_the_writer_cannot_see(world):
    api = api_client_for(world.me)
    hidden_organization = world.records["foreign"].organization
    contact = contact_create(
        actor=world.admin,
        data={
            "first_name": "Lena",
            "owner_id": world.me.pk,
            "organization_id": hidden_organization.pk,
        },
    )
    for value in (None, str(world.records["own"].organization.pk)):
        response = api.patch(f"{PREFIX}/contacts/{contact.pk}", {"organization_id": value})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "organization_id"]
    contact.refresh_from_db()
    assert contact.organization_id == hidden_organization.pk
