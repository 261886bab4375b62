"""What duplicate detection and merge (kontor.dedupe) need of contacts and
organizations, named by their ``MergeSpec`` (kontor.core.records): the values
compared, the field values a merge takes, and the writes it makes through the
services."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kontor.access.policy import require
from kontor.access.rights import Action
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.contacts.protection import current_custom_values
from kontor.contacts.search import refresh_contact_search
from kontor.contacts.services import contact_update, organization_update
from kontor.core.records import record_type_for
from kontor.core.versions import claim_version
from kontor.events.outbox import emit

CUSTOM_PREFIX = "custom."


def compared_values(ids: Sequence[Any]) -> list[dict[str, Any]]:
    """What duplicate detection compares of each record of ``ids`` (contacts
    or organizations; three queries, no model instances: a full scan reads
    every record)."""
    if not ids:
        return []
    items: dict[Any, dict[str, Any]] = {
        pk: {"id": pk, "first_name": first, "last_name": last, "name": display,
             "organization": organization or "", "emails": [], "phones": []}
        for pk, first, last, display, organization in Contact.objects.filter(
            pk__in=ids
        ).values_list("pk", "first_name", "last_name", "display_name", "organization__name")
    }  # fmt: skip
    owner = "contact_id"
    if not items:
        items = {
            pk: {"id": pk, "name": name, "domain": domain, "emails": [], "phones": []}
            for pk, name, domain in Organization.objects.filter(pk__in=ids).values_list(
                "pk", "name", "domain"
            )
        }
        owner = "organization_id"
    for model, field, key in (
        (EmailAddress, "normalized", "emails"),
        (PhoneNumber, "e164", "phones"),
    ):
        for pk, value in model.objects.filter(**{f"{owner}__in": list(items)}).values_list(
            owner, field
        ):
            if value not in items[pk][key]:
                items[pk][key].append(value)
    return list(items.values())


def field_values(record: Contact | Organization) -> dict[str, Any]:
    """The values a merge may take from ``record``, as the services take them
    (custom fields as ``custom.<key>``)."""
    values: dict[str, Any] = {
        "lifecycle_stage": record.lifecycle_stage,
        "owner_id": record.owner_id,
        "notes": record.notes,
        "tags": sorted(tag.name for tag in record.tags.all()),
    }
    if isinstance(record, Contact):
        values["first_name"] = record.first_name
        values["last_name"] = record.last_name
        values["organization_id"] = str(record.organization_id) if record.organization_id else None
    else:
        values["name"] = record.name
        values["website"] = record.website
    for key, value in (current_custom_values(record) or {}).items():
        values[f"{CUSTOM_PREFIX}{key}"] = value
    return values


def _service_data(data: Mapping[str, Any]) -> dict[str, Any]:
    custom = {
        k.removeprefix(CUSTOM_PREFIX): v for k, v in data.items() if k.startswith(CUSTOM_PREFIX)
    }
    plain = {k: v for k, v in data.items() if not k.startswith(CUSTOM_PREFIX)}
    if custom:
        plain["custom"] = custom
    return plain


def merge_update(
    actor: AbstractBaseUser, record: Contact | Organization, data: Mapping[str, Any]
) -> Contact | Organization:
    """Write the values a merge took through the record's service."""
    if isinstance(record, Contact):
        return contact_update(actor=actor, contact=record, data=_service_data(data))
    return organization_update(actor=actor, organization=record, data=_service_data(data))


def _set_merged(actor: AbstractBaseUser, record: Contact | Organization, merged: bool) -> None:
    require(actor, Action.EDIT, record)
    key = record_type_for(record).key
    before = record.archived_at
    with transaction.atomic():
        claim_version(record, None)
        record.archived_at = timezone.now() if merged else None
        record.save(update_fields=["archived_at", "updated_at"])
        if isinstance(record, Contact):
            refresh_contact_search([record.pk])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=record,
            changes={"archived_at": [before, record.archived_at]},
        )
        emit(f"{key}.archived" if merged else f"{key}.updated", record)


def retire_merged(actor: AbstractBaseUser, record: Contact | Organization) -> None:
    """A record merged into another is archived: hidden from lists and search,
    its history kept."""
    _set_merged(actor, record, True)


def restore_merged(actor: AbstractBaseUser, record: Contact | Organization) -> None:
    """A merge undone brings the record back."""
    _set_merged(actor, record, False)
