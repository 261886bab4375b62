"""Contacts and organizations as a user may read them, outside a request
(``RecordType.serialize``: webhook payloads are rendered for the
subscription's owner)."""

from typing import Any

from kontor.api.answers import render_answer
from kontor.contacts import selectors
from kontor.contacts.models import Contact, Organization
from kontor.contacts.schemas import ContactOut, OrganizationOut
from kontor.contacts.visibility import note_visible_organizations
from kontor.core.offline_request import request_for


def contact_answer(record: Contact, user: Any) -> dict[str, Any] | None:
    contact = selectors.contact_get(user=user, contact_id=record.pk)
    if contact is None:
        return None
    note_visible_organizations(user, [contact])
    return render_answer(ContactOut, contact, request=request_for(user))


def organization_answer(record: Organization, user: Any) -> dict[str, Any] | None:
    organization = selectors.organization_get(user=user, organization_id=record.pk)
    if organization is None:
        return None
    return render_answer(OrganizationOut, organization, request=request_for(user))
