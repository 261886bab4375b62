"""The ERP sync: an outside system (``source``: sap, lexware, odoo, …)
creates or updates the records it knows by its own ids, one or up to 10 000
at a time, and archives the ones it deleted.

The kinds come from the registry (``RecordType.sync``); the external ids of
every kind live in one table (kontor.sources). A record is written through
its type's services (validation, access, audit, outbox) inside
``acting_as_source(source)``, so the fields that source maintains may
change there and nowhere else. The same body again is ``unchanged`` and
writes nothing: its digest is compared before any record is read.

A batch reads the external ids, the references and the records of 500
items at a time in a few queries (never one per item), writes each changed
item in a savepoint (an invalid one fails alone) and commits per 500."""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.access.rights import Action, Level
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import RecordType, sync_kinds
from kontor.customfields.selectors import definitions_read_once
from kontor.sources.models import ExternalRecord
from kontor.sources.services import acting_as_source

User = AbstractBaseUser | AnonymousUser

MAX_BATCH = 10_000
CHUNK = 500
MAX_EXTERNAL_ID = 200
SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class UnknownKind(LookupError):
    """No record type syncs under this name (404)."""


class UnknownRecord(LookupError):
    """The source knows no record by this external id (404)."""


@dataclass
class Outcome:
    external_id: str
    id: str | None = None
    status: str = "error"  # created, updated, unchanged, archived, error
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"external_id": self.external_id, "id": self.id, "status": self.status,
                "errors": self.errors}  # fmt: skip


@dataclass
class _Item:
    outcome: Outcome
    body: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    mapping: ExternalRecord | None = None
    data: dict[str, Any] = field(default_factory=dict)


def sync_kind(kind: str) -> RecordType:
    registered = sync_kinds()
    if kind not in registered:
        raise UnknownKind(
            f"no record kind {kind!r} is synced; known: {', '.join(sorted(registered)) or 'none'}"
        )
    return registered[kind]


def check_source(source: str) -> str:
    if not SOURCE.match(source or ""):
        raise FieldErrors.single(
            "source", "must be 1 to 32 lower-case letters, digits, - or _ (e.g. sap)"
        )
    return source


def _require(actor: User, record_type: RecordType, actions: Sequence[str]) -> None:
    """The sync acts for the whole company: it needs the level ``all`` for
    what it does to the kind (create and edit; delete to archive)."""
    access = access_for(actor)
    if not all(access.level(record_type.key, action) == Level.ALL for action in actions):
        raise PermissionDenied(
            _("Syncing %(kind)s needs a role that may %(actions)s all of them.")
            % {"kind": record_type.label_plural, "actions": " and ".join(actions)}
        )


def digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _read(raw: Any, allowed: set[str], seen: set[str]) -> _Item:
    if not isinstance(raw, Mapping):
        return _Item(Outcome("", errors={"__all__": ["must be an object"]}))
    external_id = raw.get("external_id")
    outcome = Outcome(external_id if isinstance(external_id, str) else "")
    item = _Item(outcome)
    if not isinstance(external_id, str) or not external_id.strip():
        outcome.errors["external_id"] = ["is required (the record's id in the source)"]
    elif len(external_id) > MAX_EXTERNAL_ID or "\x00" in external_id:
        outcome.errors["external_id"] = [f"must be at most {MAX_EXTERNAL_ID} characters of text"]
    elif external_id in seen:
        outcome.errors["external_id"] = ["appears more than once in this batch"]
    else:
        seen.add(external_id)
    for key in sorted(set(raw) - allowed - {"external_id"}):
        outcome.errors[key] = [f"is not a synced field (fields: {', '.join(sorted(allowed))})"]
    item.body = {k: v for k, v in raw.items() if k != "external_id"}
    item.digest = digest(item.body)
    return item


def sync_records(
    *, actor: User, kind: str, source: str, records: Sequence[Any]
) -> list[dict[str, Any]]:
    """Create or update each record that ``source`` knows by its
    ``external_id``; one outcome per record, in order. Valid records are
    stored even when others fail."""
    record_type = sync_kind(kind)
    check_source(source)
    _require(actor, record_type, (Action.CREATE, Action.EDIT))
    if len(records) > MAX_BATCH:
        raise FieldErrors.single("records", f"must be at most {MAX_BATCH} per batch")
    spec = record_type.sync
    allowed = set(spec.fields) | {ref for ref, _kind, _field in spec.references}
    seen: set[str] = set()
    items = [_read(raw, allowed, seen) for raw in records]
    with definitions_read_once():
        for start in range(0, len(items), CHUNK):
            _sync_chunk(actor, record_type, source, items[start : start + CHUNK])
    return [item.outcome.as_dict() for item in items]


def _sync_chunk(actor: User, record_type: RecordType, source: str, items: list[_Item]) -> None:
    spec = record_type.sync
    model = record_type.model_class()
    valid = [item for item in items if not item.outcome.errors]
    with transaction.atomic():
        mappings = {
            m.external_id: m
            for m in ExternalRecord.objects.filter(
                source=source,
                record_type=record_type.key,
                external_id__in=[i.outcome.external_id for i in valid],
            )
        }
        for item in valid:
            item.mapping = mappings.get(item.outcome.external_id)
        present = {
            str(pk): archived_at
            for pk, archived_at in model.objects.filter(
                pk__in=[i.mapping.record_id for i in valid if i.mapping]
            ).values_list("pk", "archived_at")
        }
        changed = []
        for item in valid:
            mapping = item.mapping
            if (
                mapping is not None
                and mapping.digest == item.digest
                and present.get(mapping.record_id, "gone") is None
            ):
                item.outcome.id, item.outcome.status = mapping.record_id, "unchanged"
            else:
                changed.append(item)
        _resolve_references(spec, source, changed)
        changed = [item for item in changed if not item.outcome.errors]
        records = _records_to_update(
            record_type, [i.mapping.record_id for i in changed if i.mapping]
        )
        new = [i for i in changed if not (i.mapping and i.mapping.record_id in records)]
        if spec.create_many and new and _create_together(actor, record_type, source, new):
            changed = [item for item in changed if item not in new]
        apply = import_string(spec.apply)
        for item in changed:
            record = records.get(item.mapping.record_id) if item.mapping else None
            _apply_one(actor, record_type, source, apply, item, record)


def _resolve_references(spec: Any, source: str, items: list[_Item]) -> None:
    """Turn ``organization_external_id`` into ``organization_id``: one
    query per referenced kind for the whole chunk."""
    for item in items:
        item.data = {k: v for k, v in item.body.items() if k in spec.fields}
    for body_field, kind, service_field in spec.references:
        wanted = {
            item.body[body_field] for item in items if isinstance(item.body.get(body_field), str)
        }
        target = sync_kind(kind).key
        known = dict(
            ExternalRecord.objects.filter(
                source=source, record_type=target, external_id__in=wanted
            ).values_list("external_id", "record_id")
        )
        for item in items:
            if body_field not in item.body:
                continue
            value = item.body[body_field]
            if value is None:
                item.data[service_field] = None
            elif not isinstance(value, str) or value not in known:
                item.outcome.errors[body_field] = [
                    _("no %(kind)s with this external id came from %(source)s")
                    % {"kind": sync_kind(kind).label, "source": source}
                ]
            else:
                item.data[service_field] = known[value]


def _records_to_update(record_type: RecordType, ids: list[str]) -> dict[str, Any]:
    """The records as the services read them (lists prefetched), by id."""
    from django.db.models import prefetch_related_objects

    model = record_type.model_class()
    records = list(model.objects.filter(pk__in=ids))
    related = [name for name in ("emails", "phones", "tags") if hasattr(model, name)]
    prefetch_related_objects(records, *related)
    return {str(record.pk): record for record in records}


def _apply_one(
    actor: User, record_type: RecordType, source: str, apply: Any, item: _Item, record: Any
) -> None:
    outcome = item.outcome
    fields = _fields_of(record_type, item)
    try:
        with transaction.atomic(), acting_as_source(source):
            saved, changed = apply(actor, item.data, record)
            values = {"record_id": str(saved.pk), "fields": fields, "digest": item.digest}
            if item.mapping is None:
                ExternalRecord.objects.create(
                    source=source,
                    record_type=record_type.key,
                    external_id=outcome.external_id,
                    **values,
                )
            else:
                ExternalRecord.objects.filter(pk=item.mapping.pk).update(**values)
    except FieldErrors as exc:
        outcome.errors = _client_names(record_type, exc.errors)
        return
    except PermissionDenied as exc:
        outcome.errors = {"__all__": [str(exc)]}
        return
    except IntegrityError:
        outcome.errors = {"external_id": ["was synced at the same moment by another request"]}
        return
    outcome.id = str(saved.pk)
    if record is None:
        outcome.status = "created"
    else:
        outcome.status = "updated" if changed else "unchanged"


def _fields_of(record_type: RecordType, item: _Item) -> list[str]:
    references = record_type.sync.references
    return sorted({*item.data} | {service for body, _k, service in references if body in item.body})


def _create_together(actor: User, record_type: RecordType, source: str, items: list[_Item]) -> bool:
    """Make the chunk's new records at once (``SyncSpec.create_many``): a few
    INSERTs instead of several per record. False if the database refused the
    whole (e.g. another request synced one of them at the same moment): the
    caller then makes them one by one."""
    create_many = import_string(record_type.sync.create_many)
    try:
        with transaction.atomic(), acting_as_source(source):
            results = create_many(actor, [item.data for item in items])
            fresh, stale = [], []
            for item, result in zip(items, results, strict=True):
                if isinstance(result, FieldErrors):
                    item.outcome.errors = _client_names(record_type, result.errors)
                    continue
                if isinstance(result, PermissionDenied):
                    item.outcome.errors = {"__all__": [str(result)]}
                    continue
                item.outcome.id, item.outcome.status = str(result.pk), "created"
                values = {
                    "record_id": str(result.pk),
                    "fields": _fields_of(record_type, item),
                    "digest": item.digest,
                }
                if item.mapping is None:
                    fresh.append(
                        ExternalRecord(
                            source=source,
                            record_type=record_type.key,
                            external_id=item.outcome.external_id,
                            **values,
                        )
                    )
                else:  # its record was deleted in Kontor: the new one takes its place
                    stale.append((item.mapping.pk, values))
            ExternalRecord.objects.bulk_create(fresh, batch_size=1000)
            for pk, values in stale:
                ExternalRecord.objects.filter(pk=pk).update(**values)
    except IntegrityError:
        for item in items:
            item.outcome.id, item.outcome.status, item.outcome.errors = None, "error", {}
        return False
    return True


def _client_names(record_type: RecordType, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Name errors as the source sent the fields."""
    names = {service: body for body, _kind, service in record_type.sync.references}
    return {names.get(key, key): reasons for key, reasons in errors.items()}


def sync_archive(*, actor: User, kind: str, source: str, external_id: str) -> dict[str, Any]:
    """Archive the record ``source`` knows by ``external_id`` (hidden from
    lists and search, its history kept). Raises UnknownRecord."""
    record_type = sync_kind(kind)
    check_source(source)
    _require(actor, record_type, (Action.DELETE,))
    mapping = ExternalRecord.objects.filter(
        source=source, record_type=record_type.key, external_id=external_id
    ).first()
    record = (
        record_type.model_class().objects.filter(pk=mapping.record_id).first() if mapping else None
    )
    if record is None:
        raise UnknownRecord(f"{source} has no {record_type.label} {external_id!r} here")
    with transaction.atomic(), acting_as_source(source):
        archived = import_string(record_type.sync.archive)(actor, record)
    status = "archived" if archived else "unchanged"
    return Outcome(external_id, str(record.pk), status).as_dict()
