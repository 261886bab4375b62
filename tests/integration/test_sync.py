"""The ERP sync API: idempotent upserts by external id, batches with mixed
valid and invalid records, references by external id, fields maintained by
the ERP read-only in Kontor, and deletes that archive."""

import json

import pytest

from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact, Organization
from kontor.events.models import OutboxEvent
from kontor.sources.models import ExternalRecord
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.query_counts import CaptureWorkQueries

pytestmark = pytest.mark.django_db

ACME = {"name": "ACME GmbH", "website": "https://acme.example", "emails": ["info@acme.example"]}


@pytest.fixture
def erp(db):
    return api_client_for(UserFactory(username="erp", roles=["administrator"]))


def put(client, kind, external_id, body, source="sap"):
    return client.put(
        f"/api/v1/sync/{kind}/{source}/{external_id}",
        json.dumps(body),
        content_type="application/json",
    )


def batch(client, kind, records, source="sap"):
    return client.post(f"/api/v1/sync/{kind}/{source}/batch", records)


def test_the_same_body_twice_is_one_record_and_changes_nothing(erp):
    first = put(erp, "organizations", "4711", ACME)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "created"
    organization = Organization.objects.get(pk=first.json()["id"])
    writes = (AuditEntry.objects.count(), OutboxEvent.objects.count(), organization.version)
    again = put(erp, "organizations", "4711", ACME)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "status": "unchanged"}
    organization.refresh_from_db()
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count(), organization.version) == writes
    assert Organization.objects.count() == 1


def test_a_changed_body_updates_the_record(erp):
    created = put(erp, "organizations", "4711", ACME).json()
    changed = put(erp, "organizations", "4711", {**ACME, "name": "ACME AG"})
    assert changed.json() == {**created, "status": "updated"}
    organization = Organization.objects.get(pk=created["id"])
    assert organization.name == "ACME AG" and organization.version == 2


def test_the_same_external_id_in_another_source_is_another_record(erp):
    sap = put(erp, "organizations", "1", ACME, source="sap").json()
    odoo = put(erp, "organizations", "1", ACME, source="odoo").json()
    assert sap["id"] != odoo["id"]
    assert ExternalRecord.objects.count() == 2


def test_a_batch_stores_the_valid_records_and_reports_each(erp):
    records = [
        {"external_id": "A", "name": "Alpha"},
        {"external_id": "B", "name": "Beta", "emails": ["not an address"]},
        {"name": "No id"},
        {"external_id": "A", "name": "Alpha again"},
        {"external_id": "C", "name": "Gamma", "shoe_size": 44},
        "not an object",
        {"external_id": "D", "website": "delta.example"},
    ]
    response = batch(erp, "organizations", records)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created", "error", "error", "error", "error", "error", "created",
    ]  # fmt: skip
    assert "emails[0].address" in results[1]["errors"]
    assert "external_id" in results[2]["errors"]
    assert results[3]["errors"]["external_id"] == ["appears more than once in this batch"]
    assert "shoe_size" in results[4]["errors"]
    assert response.json()["counts"] == {"created": 2, "error": 5}
    assert sorted(Organization.objects.values_list("name", flat=True)) == ["Alpha", "delta.example"]
    second = batch(erp, "organizations", [records[0], records[6]]).json()
    assert second["counts"] == {"unchanged": 2}


def test_contacts_name_their_organization_by_its_external_id(erp):
    org = put(erp, "organizations", "O-1", ACME).json()
    response = batch(
        erp,
        "contacts",
        [
            {"external_id": "P-1", "first_name": "Ada", "organization_external_id": "O-1"},
            {"external_id": "P-2", "first_name": "Bob", "organization_external_id": "O-404"},
        ],
    )
    first, second = response.json()["results"]
    assert first["status"] == "created"
    assert str(Contact.objects.get(pk=first["id"]).organization_id) == org["id"]
    assert second["status"] == "error"
    assert list(second["errors"]) == ["organization_external_id"]


def test_fields_the_erp_delivers_are_read_only_in_kontor(erp, user):
    created = put(erp, "organizations", "4711", ACME).json()
    client = api_client_for(user)
    url = f"/api/v1/organizations/{created['id']}"
    response = client.patch(url, {"name": "Renamed in Kontor"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert "maintained in SAP" in error["msg"]
    # Kontor's own fields stay editable, and sending a maintained value unchanged is fine.
    response = client.patch(url, {"notes": "Prefers calls", "tags": ["key"], "name": "ACME GmbH"})
    assert response.status_code == 200, response.content
    # The ERP itself may change its fields.
    assert put(erp, "organizations", "4711", {**ACME, "name": "ACME AG"}).json()["status"] == (
        "updated"
    )


def test_a_delete_archives_and_keeps_the_history(erp, user):
    created = put(erp, "organizations", "4711", ACME).json()
    response = erp.delete("/api/v1/sync/organizations/sap/4711")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    client = api_client_for(user)
    assert client.get("/api/v1/organizations").json()["items"] == []
    assert client.get("/api/v1/organizations", {"q": "ACME"}).json()["items"] == []
    answer = client.get(f"/api/v1/organizations/{created['id']}").json()
    assert answer["archived_at"] is not None
    assert AuditEntry.objects.filter(object_id=created["id"]).count() == 2
    assert erp.delete("/api/v1/sync/organizations/sap/4711").json()["status"] == "unchanged"
    assert erp.delete("/api/v1/sync/organizations/sap/9999").status_code == 404
    # Sent again, it is back.
    assert put(erp, "organizations", "4711", ACME).json()["status"] == "updated"
    assert client.get(f"/api/v1/organizations/{created['id']}").json()["archived_at"] is None


def test_an_unknown_kind_or_source_is_refused(erp):
    response = put(erp, "spaceships", "1", {})
    assert response.status_code == 404
    assert "organizations" in response.json()["detail"]
    assert put(erp, "organizations", "1", ACME, source="SAP!").status_code == 422


def test_the_sync_needs_a_role_that_reaches_every_record_of_the_kind(db):
    sales = api_client_for(UserFactory(roles=["sales"]))
    assert put(sales, "organizations", "1", ACME).status_code == 403
    service = api_client_for(UserFactory(roles=["service"]))
    assert put(service, "organizations", "1", ACME).status_code == 201
    assert service.delete("/api/v1/sync/organizations/sap/1").status_code == 403


def test_a_batch_over_the_limit_or_not_a_list_is_refused(erp):
    too_many = [{"external_id": str(n)} for n in range(10_001)]
    assert batch(erp, "organizations", too_many).status_code == 422
    response = erp.post("/api/v1/sync/organizations/sap/batch", "{")
    assert response.status_code == 422
    assert batch(erp, "organizations", {"external_id": "1"}).status_code == 422


def test_an_unchanged_batch_reads_in_a_few_queries_whatever_its_size(erp):
    small = [{"external_id": f"S{n}", "name": f"Small {n}"} for n in range(20)]
    large = [{"external_id": f"L{n}", "name": f"Large {n}"} for n in range(300)]
    batch(erp, "organizations", small)
    batch(erp, "organizations", large)
    counts = []
    for records in (small, large):
        with CaptureWorkQueries() as queries:
            assert batch(erp, "organizations", records).json()["counts"] == {
                "unchanged": len(records)
            }
        counts.append(len(queries.work))
    assert counts[0] == counts[1]


def test_a_record_deleted_in_kontor_is_made_again_by_the_next_sync(erp, user):
    first = put(erp, "organizations", "4711", ACME).json()
    assert api_client_for(user).delete(f"/api/v1/organizations/{first['id']}").status_code == 204
    again = put(erp, "organizations", "4711", ACME).json()
    assert again["status"] == "created" and again["id"] != first["id"]
    assert ExternalRecord.objects.get().record_id == again["id"]
    assert batch(erp, "organizations", [{"external_id": "4711", **ACME}]).json()["counts"] == {
        "unchanged": 1
    }


def test_a_batch_makes_its_new_records_through_the_same_checks(erp):
    results = batch(
        erp,
        "contacts",
        [
            {"external_id": "P1", "first_name": "Ada", "emails": ["ada@x.example"]},
            {"external_id": "P2"},  # nothing to name the contact by
            {"external_id": "P3", "last_name": "Hopper", "phones": ["030 1234567"]},
        ],
    ).json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert "__all__" in results[1]["errors"]
    contact = Contact.objects.get(pk=results[2]["id"])
    assert contact.display_name == "Hopper"
    assert [p.e164 for p in contact.phones.all()] == ["+49301234567"]
    assert AuditEntry.objects.filter(object_id=results[0]["id"], action="create").count() == 1
    assert OutboxEvent.objects.filter(name="contact.created").count() == 2


def test_an_archived_record_is_still_recognized_by_its_address(erp, user):
    created = put(erp, "organizations", "4711", ACME).json()
    erp.delete("/api/v1/sync/organizations/sap/4711")
    matches = api_client_for(user).get("/api/v1/lookup", {"email": "info@acme.example"}).json()
    assert [m["id"] for m in matches["matches"]] == [created["id"]]
