"""Writing the audit trail. Every service that creates, changes or deletes a
record calls ``audit_record`` in the same transaction as its write (the web
UI, the API, imports, the command line and workflows all go through those
services); reads of financial and special fields go through ``audit_read``,
exports through ``audit_export``.

Nothing here changes or deletes an entry, except ``purge_expired`` (the
retention rules) and ``erase_record`` (GDPR erasure), which lift the
database's append-only lock for their own transaction."""

import contextlib
import contextvars
import datetime
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q
from django.utils import timezone

from kontor.audit.context import RequestContext, current_channel, current_request, current_via
from kontor.audit.locking import audit_unlocked
from kontor.audit.models import AuditAction, AuditEntry
from kontor.core.bulk_insert import insert_new, insert_values

User = AbstractBaseUser | AnonymousUser

MASK = "•••"
PURGE_BATCH = 5000

# Inside ``audit_entries_together()``: the entries waiting to be written.
_TOGETHER: contextvars.ContextVar[list[AuditEntry] | None] = contextvars.ContextVar(
    "kontor_audit_together", default=None
)


@contextlib.contextmanager
def audit_entries_together() -> Iterator[None]:
    """For bulk writes (the ERP sync): the entries of ``audit_record`` are
    written in one statement when the block ends, in the caller's transaction
    (``insert_new``: their ids are not read back)."""
    token = _TOGETHER.set([])
    try:
        yield
        if entries := _TOGETHER.get():
            insert_new(AuditEntry, entries)
    finally:
        _TOGETHER.reset(token)


def _json_safe(value: Any) -> Any:
    text = json.dumps(value, cls=DjangoJSONEncoder)
    # Walked only when a NUL is in it (JSON writes it as \\u0000).
    return _storable(json.loads(text)) if "\\u0000" in text else json.loads(text)


def _storable(value: Any) -> Any:
    """PostgreSQL's JSON cannot hold the NUL character; what an entry tells
    (e.g. an export's filters as the client sent them) keeps the rest, with
    U+FFFD in its place."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def object_type_key(record: Model | type[Model]) -> str:
    """The registered key of the record's type ("contact", kontor.core.records), else its
    model label ("telephony.call")."""
    from kontor.core.records import record_type_for

    try:
        return record_type_for(record).key
    except LookupError:
        return record._meta.label_lower


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_name": ""}
    name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return {"actor_id": actor.pk, "actor_name": (name or actor.get_username())[:150]}


def _context_fields() -> dict[str, Any]:
    request = current_request()
    return {
        "channel": current_channel(),
        "request_id": (request.request_id if request else "")[:64],
        "via": current_via(),
    }


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for each field whose value differs (JSON-safe)."""
    old, new = _json_safe(dict(before)), _json_safe(dict(after))
    return {
        field: [old.get(field), new.get(field)]
        for field in sorted(set(old) | set(new))
        if old.get(field) != new.get(field)
    }


def _masked(changes: Mapping[str, Any], masked: Iterable[str]) -> dict[str, Any]:
    hidden = set(masked)
    result = {}
    for field, pair in changes.items():
        old, new = pair
        if field in hidden:
            old = MASK if old not in (None, "", [], {}) else None
            new = MASK if new not in (None, "", [], {}) else None
        result[field] = [old, new]
    return result


def _changed_values(
    changes: Mapping[str, Any],
    masked: Iterable[str],
    *,
    fields: Iterable[str] = (),
    sensitive: bool = False,
) -> dict[str, Any]:
    """An entry's ``fields``, ``changes`` (``{field: (old, new)}``, the values
    of ``masked`` fields as •••) and ``sensitive``."""
    pairs = {field: list(pair) for field, pair in changes.items()}
    hidden = set(masked)
    return {
        "fields": sorted(set(fields) | set(pairs)),
        "changes": _masked(_json_safe(pairs), hidden),
        "sensitive": sensitive or bool(hidden & set(pairs)),
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    record: Model | None = None,
    changes: Mapping[str, Any] | None = None,
    fields: Iterable[str] | None = None,
    masked: Iterable[str] = (),
    parent: Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    sensitive: bool = False,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` (create, update, delete, …) to
    ``record``. ``changes``: ``{field: (old, new)}``; the values of fields in
    ``masked`` (financial and special ones) are stored as •••. ``parent``:
    the contact or organization an activity or file belongs to."""
    entry = AuditEntry(
        action=action,
        object_type=object_type or (object_type_key(record) if record is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(record, "pk", "") or "")[:64],
        object_repr=(object_repr if object_repr is not None else str(record or ""))[:255],
        **_changed_values(changes or {}, masked, fields=fields or (), sensitive=sensitive),
        **_actor_fields(actor),
        **_context_fields(),
    )
    if parent is not None:
        entry.parent_type = object_type_key(parent)
        entry.parent_id = str(parent.pk)
    if (together := _TOGETHER.get()) is not None:
        together.append(entry)
        return entry
    entry.save(force_insert=True)
    return entry


def audit_many(
    *, actor: Any, action: str, changes: Iterable[tuple[Model, Mapping[str, Any], Iterable[str]]]
) -> int:
    """``audit_record`` for many records a bulk write (an import's batch)
    made or changed at once: ``changes`` gives per record its ``{field:
    (old, new)}`` and the fields to mask. The entries hold what
    ``audit_record`` would write, and are written together in the caller's
    transaction as plain rows (``insert_values``: no ``AuditEntry`` instance
    each on PostgreSQL, ids not read back). Returns how many were written."""
    common = {"action": action, **_actor_fields(actor), **_context_fields()}
    rows = []
    for record, record_changes, masked in changes:
        rows.append(
            {
                **common,
                "at": timezone.now(),
                "object_type": object_type_key(record),
                "object_id": str(record.pk or "")[:64],
                "object_repr": str(record)[:255],
                **_changed_values(record_changes, masked),
            }
        )
    insert_values(AuditEntry, rows)
    return len(rows)


def audit_read(*, actor: Any, record: Model, fields: Iterable[str]) -> None:
    """Record that ``actor`` was shown these financial or special fields of
    ``record``. Inside a request the entries are written together when the
    response is ready; each record and set of fields once per request."""
    fields = sorted(fields)
    if not fields:
        return
    entry = AuditEntry(
        action=AuditAction.READ,
        object_type=object_type_key(record),
        object_id=str(record.pk),
        object_repr=str(record)[:255],
        fields=fields,
        sensitive=True,
        **_actor_fields(actor),
        **_context_fields(),
    )
    request = current_request()
    if request is None:
        entry.save(force_insert=True)
        return
    key = (entry.actor_id, entry.object_type, entry.object_id, tuple(fields))
    if key not in request.seen_reads:
        request.seen_reads.add(key)
        request.pending_reads.append(entry)


def flush_reads(context: RequestContext) -> None:
    if context.pending_reads:
        AuditEntry.objects.bulk_create(context.pending_reads)
        context.pending_reads.clear()


def audit_export(
    *,
    actor: Any,
    object_type: str,
    count: int,
    description: str = "",
    fields: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    sensitive: bool = False,
) -> AuditEntry:
    """Record an export of ``count`` records of ``object_type``: ``fields``
    the columns it held, ``details`` what else tells it apart (its format,
    the list's filters)."""
    changes = {name: [None, value] for name, value in (details or {}).items()}
    return audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=object_type,
        object_id="",
        object_repr=description[:255],
        changes={**changes, "count": [None, count]},
        fields=fields,
        sensitive=sensitive,
    )


# Retention and erasure ------------------------------------------------------------


def _delete_in_batches(entries) -> int:
    deleted = 0
    while True:
        with audit_unlocked():
            ids = list(entries.order_by().values_list("pk", flat=True)[:PURGE_BATCH])
            if not ids:
                return deleted
            deleted += AuditEntry.objects.filter(pk__in=ids).delete()[0]


def purge_expired(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete entries past their retention: reads of sensitive data after
    KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS, everything else after
    KONTOR_AUDIT_RETENTION_DAYS. Returns how many of each went."""
    now = now or timezone.now()
    regular_cutoff = now - datetime.timedelta(days=settings.KONTOR_AUDIT_RETENTION_DAYS)
    sensitive_cutoff = now - datetime.timedelta(
        days=settings.KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS
    )
    sensitive_reads = Q(action=AuditAction.READ, sensitive=True)
    return {
        "entries": _delete_in_batches(
            AuditEntry.objects.filter(at__lt=regular_cutoff).exclude(sensitive_reads)
        ),
        "sensitive_reads": _delete_in_batches(
            AuditEntry.objects.filter(sensitive_reads, at__lt=sensitive_cutoff)
        ),
    }


def erase_record(*, actor: Any, object_type: str, object_id: Any) -> int:
    """GDPR erasure: delete every entry about a record (and the activities
    and files that belonged to it), then note the erasure itself without any
    of the erased data. Returns how many entries went."""
    object_id = str(object_id)
    about = AuditEntry.objects.filter(
        Q(object_type=object_type, object_id=object_id)
        | Q(parent_type=object_type, parent_id=object_id)
    )
    deleted = _delete_in_batches(about)
    audit_record(
        actor=actor,
        action=AuditAction.ERASE,
        object_type=object_type,
        object_id=object_id,
        object_repr="",
        changes={"entries_deleted": [None, deleted]},
    )
    return deleted


def redact_records(*, records: Mapping[str, Iterable[Any]]) -> int:
    """GDPR erasure that keeps the trail: the entries about these records
    (``{object type: ids}``, and the activities and files that belonged to
    them) stay, with who did what when, but without the erased values: the
    old and new values of each change become null and the record's name
    goes. The only change of an entry Kontor makes besides ``purge_expired``
    and ``erase_record``; it lifts the append-only lock (kontor.audit.locking)
    for its own transaction. Returns how many entries were blanked."""
    condition = Q(pk__in=[])
    for object_type, ids in records.items():
        ids = [str(pk) for pk in ids]
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
            condition |= Q(parent_type=object_type, parent_id__in=ids)
    redacted = 0
    with audit_unlocked():
        for entry in AuditEntry.objects.filter(condition).order_by().iterator():
            blank = {field: [None, None] for field in entry.changes or {}}
            if entry.changes == blank and not entry.object_repr:
                continue
            AuditEntry.objects.filter(pk=entry.pk).update(changes=blank, object_repr="")
            redacted += 1
    return redacted
