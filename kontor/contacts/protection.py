"""What the contact and organization services do around each write: check
the access policy (kontor.access), keep financial and special custom values
encrypted, and record the write in the audit trail (kontor.audit)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model
from django.utils.translation import gettext as _

from kontor.access.policy import (
    CUSTOM_PREFIX,
    can_create,
    check_field_edits,
    may_use_level,
    require,
)
from kontor.access.rights import Action
from kontor.access.sensitive import all_custom_values, sensitive_values, store_custom_values
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_many, audit_record, changes_between
from kontor.contacts.models import Contact
from kontor.core.exceptions import PermissionDenied
from kontor.core.records import SENSITIVE_CATEGORIES, record_type_for
from kontor.customfields.selectors import definitions_for

User = AbstractBaseUser | AnonymousUser


def check_create(actor: User, key: str, data: Mapping[str, Any]) -> None:
    """Before validation: a user without any right to create gets 403 for any
    input, and fields they may not set are refused."""
    if not may_use_level(actor, key, Action.CREATE):
        raise PermissionDenied(_("You may not create records of this kind."))
    check_field_edits(actor, key, data)


def check_update(actor: User, record: Model, data: Mapping[str, Any]) -> None:
    require(actor, Action.EDIT, record)
    check_field_edits(actor, record_type_for(record).key, data)


_NEW = object()


def check_owner(actor: User, key: str, owner: Any, *, current: Any = _NEW) -> None:
    """The owner a user gives a new record, or a record a new owner, must be
    within their reach (own: only themselves, team: a colleague of their
    teams, all: anybody)."""
    owner_id = owner.pk if owner is not None else None
    if current is not _NEW and owner_id == (current.pk if current is not None else None):
        return
    if not can_create(actor, key, owner_ids=[owner_id]):
        raise PermissionDenied(_("You may not give this record to that owner."))


def current_custom_values(record: Model | None) -> dict[str, Any] | None:
    """All custom values, encrypted ones included (refuses to go on when they
    cannot be decrypted, rather than overwrite them)."""
    return all_custom_values(record, strict=True) if record is not None else None


def _categories(key: str) -> dict[str, str]:
    return {d.key: d.category for d in definitions_for(key)}


def store_custom(record: Model, values: Mapping[str, Any]) -> list[str]:
    """Put the record's custom values in place by category; returns the
    changed columns."""
    store_custom_values(record, values, _categories(record_type_for(record).key))
    return ["custom", "custom_sensitive"]


def snapshot(
    record: Model,
    *,
    emails: Iterable[Any] | None = None,
    phones: Iterable[Any] | None = None,
    tags: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The audited values of a contact or an organization. Lists given as
    arguments replace the stored ones (after a write that replaced them)."""
    values: dict[str, Any] = {
        "lifecycle_stage": record.lifecycle_stage,
        "owner": record.owner_id,
        "notes": record.notes,
        "emails": [e.address for e in (emails if emails is not None else record.emails.all())],
        "phones": [p.raw for p in (phones if phones is not None else record.phones.all())],
        "tags": sorted(t if isinstance(t, str) else t.name for t in
                       (tags if tags is not None else record.tags.all())),
    }  # fmt: skip
    if isinstance(record, Contact):
        values.update(
            first_name=record.first_name,
            last_name=record.last_name,
            organization=str(record.organization_id) if record.organization_id else None,
        )
    else:
        values.update(name=record.name, website=record.website)
    for key, value in all_custom_values(record).items():
        values[f"{CUSTOM_PREFIX}{key}"] = value
    return values


def _masked_fields(record: Model) -> set[str]:
    key = record_type_for(record).key
    sensitive = {k for k, c in _categories(key).items() if c in SENSITIVE_CATEGORIES}
    sensitive |= set(sensitive_values(record))
    return {f"{CUSTOM_PREFIX}{k}" for k in sensitive}


def _audited_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {
        field: pair
        for field, pair in changes_between(before, after).items()
        if not all(value in (None, "", [], {}) for value in pair)
    }


def audit_write(
    actor: User, action: str, record: Model, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """One audit entry with every changed field; financial and special values masked."""
    changes = _audited_changes(before, after)
    if action == AuditAction.UPDATE and not changes:
        return
    audit_record(
        actor=actor, action=action, record=record, changes=changes, masked=_masked_fields(record)
    )


def audit_created(actor: User, created: Iterable[tuple[Model, Mapping[str, Any]]]) -> None:
    """``audit_write`` of the creation of many records at once (each given
    with its audited values): the same entries, written together."""
    audit_many(
        actor=actor,
        action=AuditAction.CREATE,
        changes=(
            (record, _audited_changes({}, after), _masked_fields(record))
            for record, after in created
        ),
    )


def check_delete(actor: User, record: Model) -> None:
    require(actor, Action.DELETE, record)


def forget_shares(record: Model) -> None:
    from kontor.access.services import shares_forget

    shares_forget(record_type_for(record).key, record.pk)
