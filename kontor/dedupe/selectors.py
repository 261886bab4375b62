"""Reads of the duplicate layer, each limited to what the user may read."""

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from kontor.access.policy import fields_for, visible_records
from kontor.core.ids import parse_uuid
from kontor.core.pagination import Page, paginate
from kontor.core.records import record_type
from kontor.dedupe.models import KINDS, DuplicatePair, Merge, MergedRecord, PairStatus
from kontor.dedupe.scan import candidates_for

# The record type's field that holds what a reason compares.
REASON_FIELDS = {
    "name": "name",
    "email": "emails",
    "phone": "phones",
    "organization": "organization",
    "domain": "website",
}


def merged_into(key: str, record_id: Any) -> UUID | None:
    """The record a merged one lives on in (following merges of merges)."""
    pk = parse_uuid(record_id)
    seen: set[UUID] = set()
    while pk is not None and pk not in seen:
        seen.add(pk)
        survivor = (
            MergedRecord.objects.filter(kind=key, record_id=pk)
            .values_list("survivor_id", flat=True)
            .first()
        )
        if survivor is None:
            return pk if len(seen) > 1 else None
        pk = survivor
    return pk


def readable_reasons(user: Any, key: str, reasons: list[dict]) -> list[dict]:
    """The reasons whose fields the user may read."""
    fields = fields_for(user, key)
    return [r for r in reasons if REASON_FIELDS.get(r["field"], r["field"]) in fields]


def possible_duplicates(user: Any, key: str, record: Any) -> list[dict]:
    """Records of ``key`` the user may read that look like ``record`` (just
    created), best first: ``[{"id", "score", "reasons"}]``."""
    if key not in KINDS:
        return []
    spec = record_type(key)
    assert spec.merge is not None
    values = import_string(spec.merge.values)([record.pk])
    if not values:
        return []
    found = candidates_for(key, values[0])
    if not found:
        return []
    readable = set(
        visible_records(user, key).filter(pk__in=list(found)).values_list("pk", flat=True)
    )
    items = [
        {"id": pk, "score": value, "reasons": readable_reasons(user, key, reasons)}
        for pk, (value, reasons) in found.items()
        if pk in readable
    ]
    return sorted(items, key=lambda item: (-item["score"], str(item["id"])))


def pairs_readable(user: Any, key: str) -> QuerySet[DuplicatePair]:
    visible = visible_records(user, key).filter(archived_at__isnull=True).values("pk")
    return DuplicatePair.objects.filter(Q(a__in=visible) & Q(b__in=visible), kind=key)


def duplicate_pairs(
    *, user: Any, key: str, min_score: float, limit: int, cursor: str | None
) -> Page[DuplicatePair]:
    """The open pairs of ``key`` with ``score >= min_score`` whose two records
    the user may both read, best first."""
    pairs = pairs_readable(user, key).filter(status=PairStatus.OPEN, score__gte=min_score)
    page = paginate(pairs, order=("-score", "-id"), limit=limit, cursor=cursor)
    for pair in page.items:
        pair.reasons = readable_reasons(user, key, pair.reasons)
    return page


def pair_get(*, user: Any, pair_id: Any) -> DuplicatePair | None:
    pk = parse_uuid(pair_id)
    if pk is None:
        return None
    pair = DuplicatePair.objects.filter(pk=pk).first()
    if pair is None or pair.kind not in KINDS:
        return None
    return pairs_readable(user, pair.kind).filter(pk=pk).first()


def merge_get(*, user: Any, merge_id: Any) -> Merge | None:
    """A merge whose survivor the user may read."""
    pk = parse_uuid(merge_id)
    if pk is None:
        return None
    merge = Merge.objects.filter(pk=pk).first()
    if merge is None:
        return None
    if not visible_records(user, merge.kind).filter(pk=merge.survivor_id).exists():
        return None
    return merge


def merges_of(*, user: Any, key: str, record_id: Any) -> list[Merge]:
    """The merges into a record (its "merged from" list), newest first."""
    if not visible_records(user, key).filter(pk=record_id).exists():
        return []
    return list(Merge.objects.filter(kind=key, survivor_id=record_id, undone_at__isnull=True))
