"""Reads of the audit trail, by the viewer's roles:

- ``all`` (administrator, data protection officer): every entry, searchable;
- ``records`` (sales, service, team lead): the history of a record they may read;
- nobody else sees it.

In works-council mode (KONTOR_WORKS_COUNCIL_MODE) only roles with
``audit_by_employee`` (the data protection officer) filter by actor: the
trail is no tool to watch an employee. Changes of fields the viewer may not
read are left out of every entry, and so are the organizations they may not
read (a contact's, an activity's)."""

import contextlib
import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from kontor.access.grants import User, access_for
from kontor.access.policy import CUSTOM_PREFIX, fields_for, visible_records
from kontor.audit.models import AuditEntry
from kontor.core.exceptions import PermissionDenied
from kontor.core.records import is_registered, record_type

ORDER = ("-at", "-id")


def may_search(user: User) -> bool:
    return access_for(user).audit_scope == "all"


def may_view_record_history(user: User) -> bool:
    return access_for(user).audit_scope in ("records", "all")


def may_filter_by_actor(user: User) -> bool:
    access = access_for(user)
    if settings.KONTOR_WORKS_COUNCIL_MODE:
        return access.audit_by_employee
    return access.audit_scope == "all" or access.audit_by_employee


def readable_record(user: User, kind: str, record_id: Any) -> Model | None:
    """The record, if it is of a registered type and the user may read it."""
    if not is_registered(kind):
        return None
    registered = record_type(kind)
    try:
        pk = registered.model_class()._meta.pk.to_python(record_id)
    except ValidationError:
        return None
    return visible_records(user, kind).filter(pk=pk).first()


def record_history(*, user: User, record: Model) -> QuerySet[AuditEntry]:
    """Entries about ``record`` and about the activities, files and shares
    that belong to it. The caller read ``record`` through a selector."""
    if not may_view_record_history(user):
        return AuditEntry.objects.none()
    from kontor.audit.services import object_type_key

    kind, pk = object_type_key(record), str(record.pk)
    return (
        AuditEntry.objects.filter(
            Q(object_type=kind, object_id=pk) | Q(parent_type=kind, parent_id=pk)
        )
        .select_related("actor")
        .order_by(*ORDER)
    )


@dataclass(frozen=True)
class AuditFilters:
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    action: str | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


class NotFound(Exception):
    """The record asked about does not exist or is not visible: a 404."""


def audit_search(*, user: User, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching ``filters`` that ``user`` may see. Raises
    PermissionDenied (403) for what the roles do not allow and NotFound
    for a record the user may not read."""
    access = access_for(user)
    if access.audit_scope not in ("records", "all"):
        raise PermissionDenied(_("Your roles do not show the audit trail."))
    if filters.actor_id is not None and not may_filter_by_actor(user):
        raise PermissionDenied(
            _("In works-council mode only the data protection officer views the trail by employee.")
        )
    if access.audit_scope == "records":
        if not (filters.object_type and filters.object_id):
            raise PermissionDenied(_("Your roles show the history of single records only."))
        record = readable_record(user, filters.object_type, filters.object_id)
        if record is None:
            raise NotFound
        entries = record_history(user=user, record=record)
    else:
        entries = AuditEntry.objects.select_related("actor").order_by(*ORDER)
        if filters.object_type:
            entries = entries.filter(
                Q(object_type=filters.object_type) | Q(parent_type=filters.object_type)
            )
        if filters.object_id:
            entries = entries.filter(
                Q(object_id=filters.object_id) | Q(parent_id=filters.object_id)
            )
    if filters.actor_id is not None:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.since is not None:
        entries = entries.filter(at__gte=filters.since)
    if filters.until is not None:
        entries = entries.filter(at__lt=filters.until)
    return entries


def _readable_fields(user: User, entry: AuditEntry) -> tuple[list[str], dict[str, Any]]:
    if not is_registered(entry.object_type):
        return list(entry.fields), dict(entry.changes)
    fields = fields_for(user, entry.object_type)
    if fields.reads_everything:
        return list(entry.fields), dict(entry.changes)

    def readable(name: str) -> bool:
        return fields.may_read(name, sensitive_default=name.startswith(CUSTOM_PREFIX))

    return (
        [name for name in entry.fields if readable(name)],
        {name: pair for name, pair in entry.changes.items() if readable(name)},
    )


def _named_records(entry: AuditEntry) -> dict[str, set[str]]:
    """Ids of other records the entry's changes name, by their type (a
    contact's or an activity's organization; kontor.core.records)."""
    if not is_registered(entry.object_type):
        return {}
    named: dict[str, set[str]] = {}
    for field, kind in record_type(entry.object_type).references:
        pair = entry.changes.get(field)
        if isinstance(pair, list):
            named.setdefault(kind, set()).update(str(value) for value in pair if value)
    return named


def hidden_record_ids(user: User, entries: Iterable[AuditEntry]) -> set[str]:
    """Ids of the records ``entries`` name (as a contact's or an activity's
    organization) that ``user`` may not read, in one query per type."""
    named: dict[str, set[str]] = {}
    for entry in entries:
        for kind, ids in _named_records(entry).items():
            named.setdefault(kind, set()).update(ids)
    hidden: set[str] = set()
    for kind, ids in named.items():
        visible = visible_records(user, kind)
        if not visible.query.where:  # the user reads every record of this type
            continue
        pks = []
        for value in ids:
            with contextlib.suppress(ValueError):
                pks.append(uuid.UUID(value))
        readable = visible.filter(pk__in=pks).values_list("pk", flat=True)
        hidden |= ids - {str(pk) for pk in readable}
    return hidden


def visible_changes(
    user: User, entry: AuditEntry, *, hidden_records: set[str] | None = None
) -> tuple[list[str], dict[str, Any]]:
    """The entry's fields and changes without the fields ``user`` may not
    read, and without the records they may not read that the changes name
    (as with a contact's organization everywhere else). ``hidden_records``,
    from ``hidden_record_ids`` for a page of entries, saves a query each."""
    fields, changes = _readable_fields(user, entry)
    if not _named_records(entry):
        return fields, changes
    if hidden_records is None:
        hidden_records = hidden_record_ids(user, [entry])
    for field, _kind in record_type(entry.object_type).references:
        if not isinstance(changes.get(field), list):
            continue
        pair = [None if str(value) in hidden_records else value for value in changes[field]]
        if any(pair):
            changes[field] = pair
        else:
            del changes[field]
            fields = [name for name in fields if name != field]
    return fields, changes
