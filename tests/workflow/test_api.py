"""The public contract of /api/v1/workflows and who may use it."""

import pytest

from kontor.workflow.models import Rule, Run
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory
from tests.workflow.conftest import drain

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Welcome",
    "active": True,
    "record_type": "contact",
    "trigger": {"on": "created"},
    "conditions": {"all": [{"field": "lifecycle_stage", "op": "in", "value": ["lead"]}]},
    "actions": [{"type": "add_note", "body": "Welcome {{ contact.first_name }}"}],
}
RULE_KEYS = {"id", "name", "active", "record_type", "trigger", "conditions", "actions",
             "owner_id", "version", "created_at", "updated_at"}  # fmt: skip
RUN_KEYS = {"id", "record_type", "record_id", "trigger", "matched", "actions", "started_at",
            "finished_at", "dry_run", "depth", "error"}  # fmt: skip


def test_create_read_change_delete(api, user):
    created = api.post("/api/v1/workflows", RULE)
    assert created.status_code == 201, created.content
    rule = created.json()
    assert set(rule) == RULE_KEYS
    assert {k: rule[k] for k in RULE} == RULE
    assert rule["owner_id"] == user.pk and rule["version"] == 1
    url = f"/api/v1/workflows/{rule['id']}"
    assert api.get(url).json() == rule
    listed = api.get("/api/v1/workflows").json()
    assert [r["id"] for r in listed["items"]] == [rule["id"]] and listed["next"] is None
    changed = api.patch(url, {"active": False, "name": "Hello"})
    assert changed.status_code == 200
    assert changed.json()["active"] is False and changed.json()["version"] == 2
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert not Rule.objects.exists()


def test_runs_are_listed_newest_first(api, user):
    rule = api.post("/api/v1/workflows", RULE).json()
    lead = ContactFactory(first_name="Ada", lifecycle_stage="lead", owner=user)
    ContactFactory(first_name="Bob", lifecycle_stage="customer", owner=user)
    drain()
    runs = api.get(f"/api/v1/workflows/{rule['id']}/runs").json()["items"]
    assert [set(r) for r in runs] == [RUN_KEYS, RUN_KEYS]
    matched = [r for r in runs if r["matched"]]
    assert [r["record_id"] for r in matched] == [str(lead.pk)]
    assert matched[0]["record_type"] == "contact" and matched[0]["trigger"] == "created"
    assert matched[0]["actions"][0]["type"] == "add_note"
    assert matched[0]["actions"][0]["status"] == "done"
    assert matched[0]["actions"][0]["error"] == ""
    unmatched = next(r for r in runs if not r["matched"])
    assert unmatched["actions"][0]["status"] == "skipped"


def test_the_runs_list_costs_the_same_queries_for_more_runs(api, user):
    from tests.query_counts import CaptureWorkQueries

    rule = api.post("/api/v1/workflows", RULE).json()
    ContactFactory(first_name="Ada", lifecycle_stage="lead", owner=user)
    drain()
    url = f"/api/v1/workflows/{rule['id']}/runs"
    api.get(url)
    with CaptureWorkQueries() as one:
        api.get(url)
    for name in ("Bob", "Cleo", "Dan"):
        ContactFactory(first_name=name, lifecycle_stage="lead", owner=user)
    drain()
    assert Run.objects.count() == 4
    with CaptureWorkQueries() as four:
        api.get(url)
    assert len(four.work) == len(one.work)


def test_unknown_fields_are_refused_naming_them(api):
    bad = {**RULE, "conditions": {"all": [{"field": "shoe_size", "op": "eq", "value": 1}]}}
    answer = api.post("/api/v1/workflows", bad)
    assert answer.status_code == 422
    assert "shoe_size" in str(answer.json())
    bad_action = {**RULE, "actions": [{"type": "set_field", "field": "nope", "value": 1}]}
    answer = api.post("/api/v1/workflows", bad_action)
    assert answer.status_code == 422 and "nope" in str(answer.json())
    assert api.post("/api/v1/workflows", {**RULE, "record_type": "spaceship"}).status_code == 422
    assert api.post("/api/v1/workflows", {**RULE, "trigger": {"on": "never"}}).status_code == 422
    assert api.post("/api/v1/workflows", {**RULE, "actions": []}).status_code == 422
    assert api.post("/api/v1/workflows", {**RULE, "colour": "red"}).status_code == 422


def test_a_change_is_checked_whole(api):
    rule = api.post("/api/v1/workflows", RULE).json()
    answer = api.patch(f"/api/v1/workflows/{rule['id']}", {"record_type": "deal"})
    assert answer.status_code == 422  # lifecycle_stage is no field of a deal
    assert "lifecycle_stage" in str(answer.json())


def test_the_dry_run_checks_its_input(api, user):
    rule = api.post("/api/v1/workflows", RULE).json()
    url = f"/api/v1/workflows/{rule['id']}/test"
    contact = ContactFactory(first_name="Ada", lifecycle_stage="customer", owner=user)
    answer = api.post(url, {"record_type": "contact", "record_id": str(contact.pk)})
    assert answer.status_code == 200
    assert set(answer.json()) == RUN_KEYS and answer.json()["matched"] is False
    assert api.post(url, {"record_type": "deal", "record_id": str(contact.pk)}).status_code == 422
    assert api.post(url, {"record_type": "contact", "record_id": "x"}).status_code == 422
    assert api.post(url, {"record_type": "contact"}).status_code == 422


@pytest.mark.parametrize("roles", [["sales"], ["service"], ["team-lead"], ["read-only"]])
def test_only_administrators_manage_rules(user, roles):
    rule = api_client_for(user).post("/api/v1/workflows", RULE).json()
    other = api_client_for(UserFactory(username="someone", roles=roles))
    url = f"/api/v1/workflows/{rule['id']}"
    assert other.get("/api/v1/workflows").status_code == 403
    assert other.post("/api/v1/workflows", RULE).status_code == 403
    assert other.get(url).status_code == 403
    assert other.patch(url, {"active": False}).status_code == 403
    assert other.delete(url).status_code == 403
    assert (
        other.post(f"{url}/test", {"record_type": "contact", "record_id": "x"}).status_code == 403
    )
    assert other.get(f"{url}/runs").status_code == 403
    assert Rule.objects.get().active is True


def test_not_found(api):
    for url in ("/api/v1/workflows/nope", "/api/v1/workflows/0190d6f0-0000-7000-8000-000000000000"):
        assert api.get(url).status_code == 404
        assert api.get(f"{url}/runs").status_code == 404


def test_anonymous_requests_are_refused():
    from django.test import Client

    assert Client().get("/api/v1/workflows").status_code == 401
