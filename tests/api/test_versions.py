"""Record versions in the API beyond PATCH's If-Match (tests/api/test_if_match.py):
a PATCH that changes nothing keeps the version and writes no audit entry,
and a DELETE honours If-Match like a PATCH does."""

import datetime

import pytest
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact, Organization
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory

KINDS = ["contacts", "organizations", "activities"]
MODELS = {"contacts": Contact, "organizations": Organization, "activities": Activity}


def _record(kind: str, user):
    if kind == "contacts":
        organization = OrganizationFactory(name="Muster AG")
        return ContactFactory(
            first_name="Anna",
            last_name="Muster",
            organization_id=organization.pk,
            emails=[{"address": "anna@muster.example", "label": "work"}],
            phones=[{"number": "030 1234567", "label": "mobile"}],
            tags=["VIP", "Messe"],
            notes="Mag Espresso.",
        )
    if kind == "organizations":
        return OrganizationFactory(
            name="Muster AG",
            website="https://muster.example",
            emails=["info@muster.example"],
            phones=["030 1234560"],
            tags=["Partner"],
        )
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    return ActivityFactory(
        author=user,
        kind="meeting",
        subject="Workshop",
        body="Agenda folgt.",
        starts_at=start.isoformat(),
        ends_at=(start + datetime.timedelta(hours=1)).isoformat(),
        location="Berlin",
        participants=[{"user_id": user.pk}],
    )


def _same_values(kind: str, body: dict) -> dict:
    """A PATCH body that repeats what the record holds (as a client would
    send back what it read; tags in another case are the same tags)."""
    if kind == "activities":
        fields = ["subject", "body", "occurred_at", "starts_at", "ends_at", "location"]
        return {
            **{name: body[name] for name in fields},
            "contact_id": body["contact_id"],
            "participants": [
                {"contact_id": p["contact_id"]} if p["contact_id"] else {"user_id": p["user_id"]}
                for p in body["participants"]
            ],
        }
    same = {
        "lifecycle_stage": body["lifecycle_stage"],
        "owner_id": body["owner_id"],
        "notes": body["notes"],
        "custom": body["custom"],
        "tags": [tag.lower() for tag in body["tags"]],
        "emails": [{"address": e["address"], "label": e["label"]} for e in body["emails"]],
        "phones": [{"number": p["raw"], "label": p["label"]} for p in body["phones"]],
    }
    if kind == "contacts":
        same |= {
            "first_name": f"  {body['first_name']} ",
            "last_name": body["last_name"],
            "organization_id": body["organization_id"],
            # The shorthand of an address the contact has adds nothing.
            "email": body["emails"][0]["address"],
        }
    else:
        same |= {"name": body["name"], "website": body["website"]}
    return same


def _audit_entries(record) -> int:
    return AuditEntry.objects.filter(object_id=str(record.pk)).count()


@pytest.fixture(params=KINDS)
def kind(request) -> str:
    return request.param


# A PATCH that changes nothing ------------------------------------------------------------


@pytest.mark.parametrize("same", [False, True], ids=["empty", "same-values"])
def test_a_patch_that_changes_nothing_keeps_the_version_and_writes_no_audit_entry(
    api, user, kind, same
):
    record = _record(kind, user)
    url = f"/api/v1/{kind}/{record.pk}"
    before = api.get(url).json()
    audited = _audit_entries(record)

    response = api.patch(url, _same_values(kind, before) if same else {})

    assert response.status_code == 200, response.content
    assert response.json() == before
    assert response["ETag"] == f'"{before["version"]}"'
    stored = MODELS[kind].objects.get(pk=record.pk)
    assert (stored.version, stored.updated_at) == (record.version, record.updated_at)
    assert _audit_entries(record) == audited


def test_a_patch_that_changes_nothing_still_checks_the_version(api, user, kind):
    record = _record(kind, user)
    url = f"/api/v1/{kind}/{record.pk}"

    stale = api.patch(url, {}, headers={"If-Match": '"7"'})
    current = api.patch(url, {}, headers={"If-Match": '"1"'})

    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    assert current.status_code == 200


def test_a_patch_that_changes_something_counts_up_the_version(api, user, kind):
    record = _record(kind, user)
    text_field = "body" if kind == "activities" else "notes"

    response = api.patch(f"/api/v1/{kind}/{record.pk}", {text_field: "Neu."})

    assert response.json()["version"] == 2
    assert _audit_entries(record) == 2  # created, changed


# DELETE with If-Match ---------------------------------------------------------------------


def test_a_delete_with_a_stale_if_match_is_a_conflict_like_a_patch(api, user, kind):
    record = _record(kind, user)
    url = f"/api/v1/{kind}/{record.pk}"
    text_field = "body" if kind == "activities" else "notes"
    assert api.patch(url, {text_field: "Zweite Fassung."}).status_code == 200
    patch_conflict = api.patch(url, {text_field: "X"}, headers={"If-Match": '"1"'})

    response = api.delete(url, headers={"If-Match": '"1"'})

    assert response.status_code == 409
    assert response.json() == patch_conflict.json()
    assert response.json()["current_version"] == 2
    assert MODELS[kind].objects.filter(pk=record.pk).exists()
    assert not AuditEntry.objects.filter(object_id=str(record.pk), action="delete").exists()


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "1", "*", None])
def test_a_delete_with_the_current_version_or_without_if_match_deletes(api, user, kind, if_match):
    record = _record(kind, user)
    headers = {"If-Match": if_match} if if_match is not None else {}

    response = api.delete(f"/api/v1/{kind}/{record.pk}", headers=headers)

    assert response.status_code == 204, response.content
    assert not MODELS[kind].objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("if_match", ["abc", '"1', "-1", "1234567890"])
def test_a_delete_with_an_if_match_that_is_no_version_is_refused(api, user, kind, if_match):
    record = _record(kind, user)

    response = api.delete(f"/api/v1/{kind}/{record.pk}", headers={"If-Match": if_match})

    assert response.status_code == 422, response.content
    assert [error["loc"][-1] for error in response.json()["detail"]] == ["If-Match"]
    assert MODELS[kind].objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contacts/{contact_id}",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/activities/{activity_id}",
    ],
)
def test_the_openapi_document_describes_if_match_on_delete(api, path):
    operation = api.get("/api/v1/openapi.json").json()["paths"][path]["delete"]

    assert "If-Match" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/VersionConflict"}
