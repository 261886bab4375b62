"""Writes of the duplicate layer: a pair marked "not a duplicate", merges
and their undo. A merge re-points every relation the registry names
(kontor.core.records: the record types' ``merge_links`` and the registered
``MergeLink``s) and keeps what it moved, so that an undo within 30 days puts
every row back."""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.core import serializers
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kontor.access.freshness import access_changed, changes_access
from kontor.access.policy import can, visible_records
from kontor.access.rights import Action
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import FieldErrors, PermissionDenied, ServiceError
from kontor.core.records import MergeLink, RecordType, merge_links, record_type, record_type_for
from kontor.dedupe.models import (
    KINDS,
    BlockingKey,
    DuplicatePair,
    Merge,
    MergedRecord,
    PairStatus,
)
from kontor.events.catalogue import event_types
from kontor.events.outbox import emit_many

UNDO_DAYS = 30
MAX_MERGED = 20
CUSTOM_PREFIX = "custom."


class NotFound(ServiceError):
    """No such record, or none the user may see."""


class Conflict(ServiceError):
    """The request cannot be done in the record's present state."""


def _kind(kind: str) -> RecordType:
    if kind not in KINDS:
        raise FieldErrors.single("type", f"must be one of: {', '.join(KINDS)}")
    return record_type(kind)


def pair_decide_not_duplicate(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """Remember that the two records are different (the scan keeps it so).
    It is a decision about both records: it needs the right to edit them."""
    model = record_type(pair.kind).model_class()
    if not all(
        can(actor, Action.EDIT, record) for record in model.objects.filter(pk__in=[pair.a, pair.b])
    ):
        raise PermissionDenied(_("You may not edit both records of this pair."))
    pair.status = PairStatus.NOT_DUPLICATE
    pair.decided_by = actor
    pair.save(update_fields=["status", "decided_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type=pair.kind,
        object_id=str(pair.a),
        object_repr=str(pair.a),
        changes={"not_duplicate_of": [None, str(pair.b)]},
    )
    return pair


# Merge --------------------------------------------------------------------------


def _load(actor: Any, kind: RecordType, ids: Sequence[UUID]) -> dict[UUID, Model]:
    """The records, each visible to and editable by ``actor``; a record
    they may not see is not found, one they may see but not edit refused."""
    records = {r.pk: r for r in visible_records(actor, kind.key).filter(pk__in=ids)}
    if len(records) != len(set(ids)):
        raise NotFound(_("Not found."))
    merged = set(
        MergedRecord.objects.filter(kind=kind.key, record_id__in=ids).values_list(
            "record_id", flat=True
        )
    )
    if merged:
        raise NotFound(_("Not found."))
    for record in records.values():
        if not can(actor, Action.EDIT, record):
            raise PermissionDenied(_("You may not edit every record of this merge."))
    return records


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _taken_values(
    kind: RecordType,
    survivor: Model,
    merged: Sequence[Model],
    fields: Mapping[str, UUID],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values the survivor takes (``fields`` names the record whose value
    wins; an empty value of the survivor is filled from the first merged
    record that has one; lists such as tags are united) and the survivor's
    values before."""
    assert kind.merge is not None
    read = import_string(kind.merge.field_values)
    own = read(survivor)
    others = {record.pk: read(record) for record in merged}
    names = set(kind.merge.fields) | {
        key for values in (own, *others.values()) for key in values if key.startswith(CUSTOM_PREFIX)
    }
    data: dict[str, Any] = {}
    for field in sorted(names):
        winner = fields.get(field)
        if winner is not None:
            if winner != survivor.pk:
                data[field] = others[winner].get(field)
            continue
        if isinstance(own.get(field), list):  # lists (tags) are united
            united = list(own[field])
            for values in others.values():
                united += [v for v in values.get(field) or [] if v not in united]
            data[field] = united
        elif _empty(own.get(field)):
            filled = next((v[field] for v in others.values() if not _empty(v.get(field))), None)
            if filled is not None:
                data[field] = filled
    data = {k: v for k, v in data.items() if v != own.get(k)}
    before = {field: own.get(field) for field in data}
    return data, before


def _check_fields(kind: RecordType, fields: Mapping[str, Any], ids: set[UUID]) -> dict[str, UUID]:
    assert kind.merge is not None
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, UUID] = {}
    for field, winner in fields.items():
        key = f"fields.{field}"
        if field not in kind.merge.fields and not field.startswith(CUSTOM_PREFIX):
            errors[key] = [f"must be one of: {', '.join(kind.merge.fields)}, custom.<key>"]
            continue
        try:
            winner_id = UUID(str(winner))
        except ValueError:
            winner_id = None
        if winner_id not in ids:
            errors[key] = ["must be the id of the kept record or of a merged one"]
            continue
        cleaned[field] = winner_id
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _id_value(model: type[Model], field: str, value: Any) -> Any:
    return model._meta.get_field(field).to_python(str(value))


def _repoint(
    kind: RecordType, survivor: Model, merged_ids: Sequence[UUID]
) -> tuple[dict[str, list], dict[str, list]]:
    """Move every related row of the merged records to the survivor; a row
    that would repeat one of the survivor's (an email address it has) is
    removed instead. Returns (moved, removed) for the undo."""
    moved: dict[str, list] = {}
    removed: dict[str, list] = {}
    target = kind.model_class()
    for link in merge_links():
        model = link.model_class()
        lookups: list[tuple[str, Any, list[Any]]] = []
        for path in link.paths:
            field = model._meta.get_field(path)
            if field.related_model is target:
                lookups.append((field.attname, survivor.pk, list(merged_ids)))
        if link.generic:
            id_field = link.generic[1]
            lookups.append(
                (
                    id_field,
                    _id_value(model, id_field, survivor.pk),
                    [_id_value(model, id_field, pk) for pk in merged_ids],
                )
            )
        for attname, new_value, old_values in lookups:
            extra = (
                {link.generic[0]: kind.key} if link.generic and attname == link.generic[1] else {}
            )
            _move_rows(link, model, attname, new_value, old_values, extra, moved, removed)
    return moved, removed


def _move_rows(
    link: MergeLink,
    model: type[Model],
    attname: str,
    new_value: Any,
    old_values: list[Any],
    extra: dict[str, Any],
    moved: dict[str, list],
    removed: dict[str, list],
) -> None:
    rows = list(model.objects.filter(**{f"{attname}__in": old_values}, **extra).order_by("pk"))
    if not rows:
        return
    taken: set[tuple] = set()
    if link.unique:
        unique_attnames = [model._meta.get_field(f).attname for f in link.unique]
        taken = set(
            model.objects.filter(**{attname: new_value}, **extra).values_list(*unique_attnames)
        )
    keep, drop = [], []
    for row in rows:
        if link.unique:
            values = tuple(getattr(row, model._meta.get_field(f).attname) for f in link.unique)
            if values in taken:
                drop.append(row)
                continue
            taken.add(values)
        keep.append(row)
    key = f"{link.key}:{attname}"
    if drop:
        removed[key] = [serializers.serialize("json", drop)]
        model.objects.filter(pk__in=[row.pk for row in drop]).delete()
    if keep:
        moved[key] = [[str(row.pk), str(getattr(row, attname))] for row in keep]
        _set_rows(model, [row.pk for row in keep], {attname: new_value})


def _set_rows(model: type[Model], pks: Sequence[Any], values: dict[str, Any]) -> None:
    """Point rows at another record in bulk as a change of each row: its
    ``updated_at`` moves (the warehouse export and sync read changes by it)
    and a record type's row emits its ``updated`` event (webhooks, rollups)."""
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        values = {**values, "updated_at": timezone.now()}
    try:
        event = f"{record_type_for(model).key}.updated"
    except LookupError:
        event = None
    if changes_access(model):  # shares: an update sends no signal
        access_changed()
    for start in range(0, len(pks), 1000):
        chunk = pks[start : start + 1000]
        model.objects.filter(pk__in=chunk).update(**values)
        if event and event in event_types():
            emit_many(event, list(model.objects.filter(pk__in=chunk).only("pk")))


def _link_by_key() -> dict[str, MergeLink]:
    return {link.key: link for link in merge_links()}


@transaction.atomic
def merge_records(
    *,
    actor: Any,
    kind: str,
    keep: UUID,
    merge: Sequence[UUID],
    fields: Mapping[str, Any] | None = None,
) -> Merge:
    """Merge the records ``merge`` into ``keep``: the survivor takes the
    chosen field values, every relation of the merged records moves to it,
    and the merged records are archived; their ids answer with the survivor."""
    spec = _kind(kind)
    assert spec.merge is not None
    merge = list(dict.fromkeys(merge))
    if not merge:
        raise FieldErrors.single("merge", "must name at least one record")
    if len(merge) > MAX_MERGED:
        raise FieldErrors.single("merge", f"must name at most {MAX_MERGED} records")
    if keep in merge:
        raise FieldErrors.single("merge", "must not name the kept record")
    ids = [keep, *merge]
    chosen = _check_fields(spec, fields or {}, set(ids))
    # Lock the rows: a concurrent merge of one of them waits and then sees it merged.
    list(spec.model_class().objects.select_for_update().filter(pk__in=ids).values_list("pk"))
    records = _load(actor, spec, ids)
    survivor = records[keep]
    merged = [records[pk] for pk in merge]
    data, before = _taken_values(spec, survivor, merged, chosen)
    # Archived first: the rights to them may come from shares the merge moves.
    for record in merged:
        import_string(spec.merge.retire)(actor, record)
    moved, removed = _repoint(spec, survivor, merge)
    if spec.merge.moved:
        import_string(spec.merge.moved)(ids)
    survivor.refresh_from_db()
    if data:
        import_string(spec.merge.update)(actor, survivor, data)
    record = Merge.objects.create(
        kind=kind,
        survivor_id=keep,
        merged_ids=[str(pk) for pk in merge],
        before=before,
        moved=moved,
        removed=removed,
        created_by=actor,
    )
    MergedRecord.objects.bulk_create(
        [MergedRecord(kind=kind, record_id=pk, survivor_id=keep, merge=record) for pk in merge]
    )
    among = Q(a__in=ids) & Q(b__in=ids)
    DuplicatePair.objects.filter(among, kind=kind).update(
        status=PairStatus.MERGED, decided_by=actor, updated_at=timezone.now()
    )
    DuplicatePair.objects.filter(
        Q(a__in=merge) | Q(b__in=merge), kind=kind, status=PairStatus.OPEN
    ).delete()
    BlockingKey.objects.filter(kind=kind, record_id__in=merge).delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        record=survivor,
        changes={"merged_from": [None, [str(pk) for pk in merge]]},
    )
    return record


def _restore_rows(moved: Mapping[str, list], removed: Mapping[str, list]) -> None:
    links = _link_by_key()
    for key, rows in moved.items():
        link_key, attname = key.rsplit(":", 1)
        model = links[link_key].model_class()
        by_old: dict[str, list[str]] = defaultdict(list)
        for pk, old in rows:
            by_old[old].append(pk)
        for old, pks in by_old.items():
            _set_rows(model, pks, {attname: old})
    for texts in removed.values():
        for text in texts:
            for obj in serializers.deserialize("json", text):
                obj.save()


@transaction.atomic
def merge_undo(*, actor: Any, merge: Merge) -> Merge:
    """Put the merged records back with every row the merge moved or removed
    and the survivor's values before; within 30 days, once."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise Conflict(_("This merge was undone already."))
    if merge.created_at < timezone.now() - datetime.timedelta(days=UNDO_DAYS):
        raise Conflict(_("A merge can be undone within %(days)d days.") % {"days": UNDO_DAYS})
    spec = record_type(merge.kind)
    assert spec.merge is not None
    model = spec.model_class()
    ids = [merge.survivor_id, *(UUID(pk) for pk in merge.merged_ids)]
    records = {r.pk: r for r in model.objects.filter(pk__in=ids)}
    survivor = records.get(merge.survivor_id)
    if survivor is None or len(records) != len(ids) or not can(actor, Action.READ, survivor):
        raise NotFound(_("Not found."))
    if not all(can(actor, Action.EDIT, record) for record in records.values()):
        raise PermissionDenied(_("You may not edit every record of this merge."))
    _restore_rows(merge.moved, merge.removed)
    if spec.merge.moved:
        import_string(spec.merge.moved)(ids)
    MergedRecord.objects.filter(merge=merge).delete()
    for pk in merge.merged_ids:
        import_string(spec.merge.restore)(actor, records[UUID(pk)])
    if merge.before:
        survivor.refresh_from_db()
        import_string(spec.merge.update)(actor, survivor, merge.before)
    DuplicatePair.objects.filter(
        Q(a__in=ids) & Q(b__in=ids), kind=merge.kind, status=PairStatus.MERGED
    ).update(status=PairStatus.OPEN, decided_by=None, updated_at=timezone.now())
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        record=survivor,
        changes={"merged_from": [list(merge.merged_ids), None]},
    )
    return merge
