"""Organizations and contacts upserted by an outside system (an ERP) through
the sync (their ``SyncSpec`` in ``sync_kinds``, kontor.integration.sync):
one path through the same services as the UI and the API."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import (
    contact_archive,
    contact_create,
    contact_update,
    contacts_create_many,
    organization_archive,
    organization_create,
    organization_update,
    organizations_create_many,
)
from kontor.core.exceptions import ServiceError


def apply_organization(
    actor: AbstractBaseUser, data: Mapping[str, Any], record: Organization | None
) -> tuple[Organization, bool]:
    if record is None:
        return organization_create(actor=actor, data=data), True
    restored = organization_archive(actor=actor, organization=record, archived=False)
    version = record.version
    record = organization_update(actor=actor, organization=record, data=data)
    return record, restored or record.version != version


def apply_contact(
    actor: AbstractBaseUser, data: Mapping[str, Any], record: Contact | None
) -> tuple[Contact, bool]:
    if record is None:
        return contact_create(actor=actor, data=data), True
    restored = contact_archive(actor=actor, contact=record, archived=False)
    version = record.version
    record = contact_update(actor=actor, contact=record, data=data)
    return record, restored or record.version != version


def archive_organization(actor: AbstractBaseUser, record: Organization) -> bool:
    return organization_archive(actor=actor, organization=record)


def archive_contact(actor: AbstractBaseUser, record: Contact) -> bool:
    return contact_archive(actor=actor, contact=record)


def create_organizations(
    actor: AbstractBaseUser, rows: list[Mapping[str, Any]]
) -> list[Organization | ServiceError]:
    return organizations_create_many(actor=actor, rows=rows)


def create_contacts(
    actor: AbstractBaseUser, rows: list[Mapping[str, Any]]
) -> list[Contact | ServiceError]:
    return contacts_create_many(actor=actor, rows=rows)
