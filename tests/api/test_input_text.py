"""Text no database can store (a NUL character, an unpaired surrogate) is
refused by every JSON body of the API, wherever it is in the body, with the
place named: the fuzzing found such text one endpoint at a time, each a 500
on PostgreSQL (tests/api/test_fuzz_findings.py)."""

import json

import pytest

from kontor.api.schemas import StrictSchema
from kontor.contacts.models import Contact
from kontor.core.storable_text import UNSTORABLE_REASON
from tests.contacts.api_support import field_errors

# Bodies that are deliberately not strict: a phone system sends more fields
# than Kontor reads, and an ERP's record is any object its mapping reads.
LENIENT_BODIES = {
    ("POST", "/telephony/events"),
    ("PUT", "/sync/{kind}/{source}/{external_id}"),
}


def _bodies():
    import kontor.urls  # noqa: F401 (the routers join the API with the URLs)
    from kontor.api.api import api

    for prefix, router in api._routers:
        for path, path_operation in router.path_operations.items():
            for operation in path_operation.operations:
                for model in operation.models:
                    if getattr(model, "__ninja_param_source__", None) != "body":
                        continue
                    for field in model.model_fields.values():
                        for method in operation.methods:
                            yield method, f"{prefix.rstrip('/')}{path}", field.annotation


def test_every_json_body_is_strict_but_the_lenient_ones():
    bodies = list(_bodies())
    loose = {
        (method, path)
        for method, path, annotation in bodies
        if not (isinstance(annotation, type) and issubclass(annotation, StrictSchema))
    }

    assert len(bodies) > 40
    assert loose == LENIENT_BODIES


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"first_name": "An\\u0000na"}', "body.first_name"),
        ('{"first_name": "Anna", "last_name": "\\udcff"}', "body.last_name"),
        ('{"first_name": "Anna", "tags": ["ok", "a\\u0000"]}', "body.tags.1"),
        ('{"first_name": "Anna", "emails": [{"address": "a\\u0000@example.com"}]}',
         "body.emails.0.address"),
        ('{"first_name": "Anna", "custom": {"segment": "A\\u0000"}}', "body.custom.segment"),
        ('{"first_name": "Anna", "custom": {"seg\\u0000ment": "A"}}', "body.custom"),
        ('{"first_name": "Anna", "custom": {"deep": [{"er": ["\\ud800"]}]}}',
         "body.custom.deep.0.er.0"),
    ],
)  # fmt: skip
def test_unstorable_text_anywhere_in_a_body_is_a_422_naming_the_place(api, body, field):
    response = api.post("/api/v1/contacts", body)

    assert field_errors(response) == {field: [UNSTORABLE_REASON]}
    assert not Contact.objects.exists()


def test_a_body_nested_deeper_than_python_recurses_is_read(api):
    deep = "[" * 5000 + '"\\u0000"' + "]" * 5000
    response = api.post("/api/v1/contacts", f'{{"first_name": "Anna", "custom": {{"x": {deep}}}}}')

    assert response.status_code in (400, 422)
    assert not Contact.objects.exists()


def test_storable_text_of_every_script_passes(api):
    body = {"first_name": "Zoë", "last_name": "Ørsted-Łukasiewicz 山田 🙂", "tags": ["Kunde"]}

    response = api.post("/api/v1/contacts", json.dumps(body))

    assert response.status_code == 201, response.content
    assert Contact.objects.get().last_name == "Ørsted-Łukasiewicz 山田 🙂"


def test_the_service_addresses_and_merges_refuse_unknown_fields(db):
    from tests.conftest import api_client_for
    from tests.factories import UserFactory

    admin = api_client_for(UserFactory(username="boss", is_staff=True, is_superuser=True))

    address = admin.post("/api/v1/service-addresses", {"address": "a@b.de", "team": "x"})
    merge = admin.post("/api/v1/contacts/merge", {"keep": "x", "merge": [], "force": True})

    assert address.status_code == 422
    assert ["body", "team"] in [error["loc"] for error in address.json()["detail"]]
    assert merge.status_code == 422
    assert ["body", "force"] in [error["loc"] for error in merge.json()["detail"]]
