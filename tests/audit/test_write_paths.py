"""Every create, update and delete is in the audit trail, whatever path it
takes: a service call, the API, a web form, the command line."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kontor.activities.services import activity_create, activity_delete, activity_update
from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact
from kontor.contacts.services import (
    contact_create,
    contact_delete,
    contact_update,
    organization_create,
    organization_update,
)
from kontor.customfields.models import CustomFieldDefinition
from kontor.files.services import attachment_create, attachment_delete
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(db):
    return UserFactory(
        username="rita", first_name="Rita", last_name="Rep", roles=["sales"], teams=["Nord"]
    )


def _entries(record) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(record.pk)).order_by("id"))


def test_a_service_write_records_who_when_which_fields_and_old_and_new_values(rep):
    contact = contact_create(actor=rep, data={"first_name": "Ada", "phones": ["030 123456"]})
    contact_update(actor=rep, contact=contact, data={"first_name": "Adele", "notes": "VIP"})
    contact_delete(actor=rep, contact=Contact.objects.get(pk=contact.pk))

    created, updated, deleted = _entries(contact)
    assert (created.action, created.actor, created.actor_name) == ("create", rep, "Rita Rep")
    assert created.object_type == "contact" and created.channel == "cli"
    assert created.changes["first_name"] == [None, "Ada"]
    assert created.changes["phones"] == [None, ["030 123456"]]
    assert updated.changes == {"first_name": ["Ada", "Adele"], "notes": ["", "VIP"]}
    assert updated.fields == ["first_name", "notes"]
    assert deleted.action == "delete" and deleted.changes["first_name"] == ["Adele", None]
    assert created.at <= updated.at <= deleted.at


def test_an_unchanged_save_writes_no_entry(rep):
    contact = contact_create(actor=rep, data={"first_name": "Ada"})
    contact_update(actor=rep, contact=contact, data={"first_name": "Ada"})
    assert [e.action for e in _entries(contact)] == ["create"]


def test_api_writes_are_recorded_as_api_with_the_request_id(rep):
    api = api_client_for(rep)
    response = api.post("/api/v1/contacts", {"first_name": "Bea"}, headers={"X-Request-ID": "r-1"})
    contact_id = response.json()["id"]
    api.patch(f"/api/v1/contacts/{contact_id}", {"last_name": "Berg"})
    api.delete(f"/api/v1/contacts/{contact_id}")

    entries = list(AuditEntry.objects.filter(object_id=contact_id).order_by("id"))
    assert [(e.action, e.channel, e.actor_id) for e in entries] == [
        ("create", "api", rep.pk),
        ("update", "api", rep.pk),
        ("delete", "api", rep.pk),
    ]
    assert entries[0].request_id == "r-1"
    assert entries[1].changes == {"last_name": ["", "Berg"]}


def test_web_form_writes_are_recorded_as_ui(client, rep):
    client.force_login(rep)
    form = {
        "name": "Acme",
        "website": "",
        "lifecycle_stage": "lead",
        "owner": rep.pk,
        "tags": "",
        "notes": "",
    }
    for row in (0, 1):
        form |= {
            f"email_{row}_address": "",
            f"email_{row}_label": "work",
            f"phone_{row}_number": "",
            f"phone_{row}_label": "work",
        }
    response = client.post(reverse("organization-create"), form)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="organization")
    assert (entry.action, entry.channel, entry.actor) == ("create", "ui", rep)
    assert entry.changes["name"] == [None, "Acme"]


def test_command_line_writes_are_recorded_as_cli(db):
    call_command("demo", verbosity=0)
    entries = AuditEntry.objects.filter(object_type="contact", action="create")
    assert entries.count() > 10
    assert set(entries.values_list("channel", flat=True)) == {"cli"}
    assert set(entries.values_list("actor_name", flat=True)) == {"Mia Vertrieb"}


def test_activities_and_files_are_recorded_on_their_contacts_history(rep):
    contact = contact_create(actor=rep, data={"first_name": "Cem"})
    note = activity_create(actor=rep, data={"kind": "note", "body": "hi", "contact_id": contact.pk})
    activity_update(actor=rep, activity=note, data={"body": "hello"})
    upload = attachment_create(
        actor=rep, upload=SimpleUploadedFile("a.txt", b"abc"), contact=contact
    )
    attachment_delete(actor=rep, attachment=upload)
    activity_delete(actor=rep, activity=note)

    history = AuditEntry.objects.filter(parent_type="contact", parent_id=str(contact.pk))
    assert list(history.order_by("id").values_list("object_type", "action")) == [
        ("activity", "create"),
        ("activity", "update"),
        ("file", "create"),
        ("file", "delete"),
        ("activity", "delete"),
    ]
    assert history.get(object_type="activity", action="update").changes == {"body": ["hi", "hello"]}


def test_organization_changes_are_recorded(rep):
    organization = organization_create(actor=rep, data={"name": "Acme"})
    organization_update(actor=rep, organization=organization, data={"website": "acme.de"})
    assert _entries(organization)[1].changes == {"website": ["", "acme.de"]}


def test_sensitive_values_are_masked_in_the_trail(rep):
    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="diagnosis",
        label="Diagnosis",
        field_type="text",
        category="special",
    )
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(
        actor=admin, data={"first_name": "Ute", "custom": {"diagnosis": "flu"}}
    )
    contact_update(actor=admin, contact=contact, data={"custom": {"diagnosis": "cold"}})

    created, updated = _entries(contact)
    assert created.changes["custom.diagnosis"] == [None, "•••"]
    assert updated.changes == {"custom.diagnosis": ["•••", "•••"]}
    assert updated.sensitive
    assert not any("flu" in json.dumps(e.changes) for e in AuditEntry.objects.all())
