"""A write that changes nothing leaves a contact's or an organization's
version and audit trail alone, from the API (tests/api/test_versions.py) as
from the web UI; a delete of a version changed meanwhile is refused."""

import pytest
from django.urls import reverse

from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import (
    contact_delete,
    contact_update,
    organization_delete,
    organization_update,
)
from kontor.core.exceptions import VersionConflict
from tests.contacts.test_views import edit_form
from tests.factories import ContactFactory, OrganizationFactory


def _audit_entries(record) -> int:
    return AuditEntry.objects.filter(object_id=str(record.pk)).count()


def test_an_empty_update_changes_nothing(user):
    contact = ContactFactory(emails=["a@example.com"], tags=["VIP"])
    organization = OrganizationFactory(website="example.com")

    contact_update(actor=user, contact=contact, data={})
    organization_update(actor=user, organization=organization, data={})

    assert Contact.objects.get().version == Organization.objects.get().version == 1
    assert _audit_entries(contact) == _audit_entries(organization) == 1


def test_a_changed_label_is_a_change(user):
    contact = ContactFactory(emails=[{"address": "a@example.com", "label": "work"}])

    contact_update(
        actor=user,
        contact=contact,
        data={"emails": [{"address": "a@example.com", "label": "private"}]},
    )

    assert Contact.objects.get().version == 2
    assert [e.label for e in contact.emails.all()] == ["private"]


def test_the_edit_form_saved_unchanged_changes_nothing(client, user):
    organization = OrganizationFactory(name="Muster AG")
    contact = ContactFactory(
        first_name="Anna",
        organization_id=organization.pk,
        emails=["anna@muster.example"],
        phones=["030 1234567"],
        tags=["VIP"],
        owner=user,
    )
    client.force_login(user)

    response = client.post(reverse("contact-edit", args=[contact.pk]), edit_form(contact))

    assert response.status_code == 302, response.content.decode()
    assert Contact.objects.get().version == 1
    assert _audit_entries(contact) == 1


@pytest.mark.parametrize("kind", ["contact", "organization"])
def test_a_delete_of_a_version_changed_meanwhile_is_refused(user, kind):
    if kind == "contact":
        record, update, delete = ContactFactory(), contact_update, contact_delete
    else:
        record, update, delete = OrganizationFactory(), organization_update, organization_delete
    model = type(record)
    stale = model.objects.get(pk=record.pk)
    update(actor=user, data={"notes": "Neu"}, **{kind: record})

    with pytest.raises(VersionConflict) as conflict:
        delete(actor=user, expected_version=1, **{kind: stale})

    assert conflict.value.current_version == 2
    assert model.objects.filter(pk=record.pk).exists()
    assert not AuditEntry.objects.filter(object_id=str(record.pk), action="delete").exists()
    delete(actor=user, expected_version=2, **{kind: stale})
    assert not model.objects.filter(pk=record.pk).exists()
