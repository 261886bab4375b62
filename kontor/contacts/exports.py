"""The rows of the contact and organization exports (kontor.exports): a
batch of records as the exporting user may see them, in a fixed number of
queries per batch (the list's queryset brings owners, organizations, email
addresses, phone numbers and tags)."""

from typing import Any

from kontor.access.policy import fields_for
from kontor.contacts.display import contact_display_name
from kontor.contacts.models import Contact, Organization
from kontor.contacts.visibility import note_visible_organizations, shown_organization


def _owner_name(record: Contact | Organization) -> str:
    owner = record.owner
    if owner is None:
        return ""
    return owner.get_full_name() or owner.get_username()


def _party_values(record: Contact | Organization) -> dict[str, Any]:
    return {
        "id": record.pk,
        "lifecycle_stage": record.lifecycle_stage,
        "owner": _owner_name(record),
        "owner_id": record.owner_id,
        "tags": [tag.name for tag in record.tags.all()],
        "emails": [email.address for email in record.emails.all()],
        "phones": [phone.e164 for phone in record.phones.all()],
        "notes": record.notes,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def contact_rows(user: Any, contacts: list[Contact]) -> list[dict[str, Any]]:
    note_visible_organizations(user, contacts)
    fields = fields_for(user, "contact")
    rows = []
    for contact in contacts:
        organization = shown_organization(user, contact)
        rows.append(
            {
                **_party_values(contact),
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "display_name": contact_display_name(
                    fields,
                    contact.display_name,
                    named=bool(contact.first_name or contact.last_name),
                ),
                "organization": organization.name if organization else "",
                "organization_id": organization.pk if organization else None,
            }
        )
    return rows


def organization_rows(user: Any, organizations: list[Organization]) -> list[dict[str, Any]]:
    return [
        {
            **_party_values(organization),
            "name": organization.name,
            "website": organization.website,
            "domain": organization.domain,
        }
        for organization in organizations
    ]
