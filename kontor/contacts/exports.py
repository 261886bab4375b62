"""The rows of the contact and organization exports (kontor.exports): a
batch of records as the exporting user may see them, in a fixed number of
queries per batch: the list's queryset brings the organizations, then one
query each reads the batch's owners, email addresses, phone numbers and
tags."""

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model

from kontor.access.policy import fields_for
from kontor.contacts.display import contact_display_name
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.contacts.visibility import note_visible_organizations, shown_organization
from kontor.core.users import user_name


def _related(records: list[Contact] | list[Organization]) -> dict[str, dict[Any, Any]]:
    """The owners' names, email addresses, phone numbers and tags of a
    batch, in their order."""
    owner = type(records[0])._meta.model_name if records else "contact"
    ids = [record.pk for record in records]
    related: dict[str, dict[Any, Any]] = {
        "emails": defaultdict(list), "phones": defaultdict(list), "tags": defaultdict(list)
    }  # fmt: skip
    owner_ids = {record.owner_id for record in records if record.owner_id is not None}
    related["owners"] = {
        user.pk: user_name(user) for user in get_user_model().objects.filter(pk__in=owner_ids)
    }
    points = (
        ("emails", EmailAddress, "address"),
        ("phones", PhoneNumber, "e164"),
    )
    for key, model, field in points:
        rows = model.objects.filter(**{f"{owner}_id__in": ids}).order_by("position", "id")
        for record_id, value in rows.values_list(f"{owner}_id", field):
            related[key][record_id].append(value)
    through = type(records[0]).tags.through if records else None
    if through is not None:
        tags = through.objects.filter(**{f"{owner}_id__in": ids}).order_by("tag__name")
        for record_id, name in tags.values_list(f"{owner}_id", "tag__name"):
            related["tags"][record_id].append(name)
    return related


def _party_values(record: Contact | Organization, related: dict) -> dict[str, Any]:
    return {
        "id": record.pk,
        "lifecycle_stage": record.lifecycle_stage,
        "owner": related["owners"].get(record.owner_id, ""),
        "owner_id": record.owner_id,
        "tags": related["tags"].get(record.pk, []),
        "emails": related["emails"].get(record.pk, []),
        "phones": related["phones"].get(record.pk, []),
        "notes": record.notes,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def contact_rows(user: Any, contacts: list[Contact]) -> list[dict[str, Any]]:
    note_visible_organizations(user, contacts)
    fields = fields_for(user, "contact")
    related = _related(contacts)
    rows = []
    for contact in contacts:
        organization = shown_organization(user, contact)
        rows.append(
            {
                **_party_values(contact, related),
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
    related = _related(organizations)
    return [
        {
            **_party_values(organization, related),
            "name": organization.name,
            "website": organization.website,
            "domain": organization.domain,
        }
        for organization in organizations
    ]
