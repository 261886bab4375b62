"""Scoring records in bulk and storing the scores: a fixed number of queries
per batch of records, whatever their number of addresses, numbers,
activities or duplicate candidates."""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import phonenumbers
from django.db.models import Count, Max, Q
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.core.ids import parse_uuid
from kontor.dedupe.models import DuplicatePair, PairStatus
from kontor.quality.models import KINDS, QualityScore
from kontor.quality.scoring import Facts, score

BATCH = 2000
NAME_PROBLEM = re.compile(r"[\d@]")
MODELS = {"contact": Contact, "organization": Organization}
OWNER = {"contact": "contact_id", "organization": "organization_id"}


def _valid_phone(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


def _facts(kind: str, ids: Sequence[UUID]) -> dict[UUID, Facts]:
    """The facts of the records of ``ids`` that exist and are not archived."""
    rows = MODELS[kind].objects.filter(pk__in=ids, archived_at__isnull=True)
    facts: dict[UUID, Facts] = {}
    if kind == "contact":
        for pk, first, last, organization_id, owner_id, updated in rows.values_list(
            "pk", "first_name", "last_name", "organization_id", "owner_id", "updated_at"
        ):
            filled = {"name"} if first or last else set()
            filled |= {"organization"} if organization_id else set()
            filled |= {"owner"} if owner_id else set()
            fact = facts[pk] = Facts(filled=filled, last_touched=updated)
            name = f"{first} {last}".strip()
            if name:
                fact.checked += 1
                if NAME_PROBLEM.search(name):
                    fact.problems.append(("name", "", "bad_name"))
    else:
        for pk, website, domain, owner_id, updated in rows.values_list(
            "pk", "website", "domain", "owner_id", "updated_at"
        ):
            filled = {"website"} if website else set()
            filled |= {"owner"} if owner_id else set()
            fact = facts[pk] = Facts(filled=filled, last_touched=updated)
            if website:
                fact.checked += 1
                if not domain:
                    fact.problems.append(("website", website, "bad_website"))
        with_contacts = (
            Contact.objects.filter(organization_id__in=list(facts), archived_at__isnull=True)
            .values_list("organization_id", flat=True)
            .distinct()
        )
        for pk in with_contacts:
            facts[pk].filled.add("contacts")
    if not facts:
        return facts
    owner = OWNER[kind]
    # No address, number or name is copied into the reasons: the score table
    # holds no personal data (an erased person leaves nothing behind here).
    for pk, bouncing in EmailAddress.objects.filter(**{f"{owner}__in": list(facts)}).values_list(
        owner, "bouncing"
    ):
        facts[pk].filled.add("email")
        facts[pk].checked += 1
        if bouncing:
            facts[pk].problems.append(("email", "", "bouncing"))
    for pk, e164 in PhoneNumber.objects.filter(**{f"{owner}__in": list(facts)}).values_list(
        owner, "e164"
    ):
        facts[pk].filled.add("phone")
        facts[pk].checked += 1
        if not _valid_phone(e164):
            facts[pk].problems.append(("phone", "", "bad_phone"))
    now = timezone.now()
    last = (
        Activity.objects.filter(**{f"{owner}__in": list(facts)}, occurred_at__lte=now)
        .values(owner)
        .annotate(last=Max("occurred_at"))
        .values_list(owner, "last")
    )
    for pk, occurred in last:
        fact = facts[pk]
        if fact.last_touched is None or occurred > fact.last_touched:
            fact.last_touched = occurred
    for pk, count in _open_duplicates(kind, list(facts)).items():
        facts[pk].open_duplicates = count
    return facts


def _open_duplicates(kind: str, ids: list[UUID]) -> dict[UUID, int]:
    open_pairs = DuplicatePair.objects.filter(kind=kind, status=PairStatus.OPEN)
    counts: dict[UUID, int] = defaultdict(int)
    for side in ("a", "b"):
        for pk, count in (
            open_pairs.filter(**{f"{side}__in": ids})
            .values(side)
            .annotate(n=Count("id"))
            .values_list(side, "n")
        ):
            counts[pk] += count
    return counts


def duplicate_partners(kind: str, ids: Iterable[Any]) -> set[UUID]:
    """The records that share a duplicate candidate with one of ``ids``
    (whose duplicates part changes with them)."""
    ids = list(ids)
    pairs = DuplicatePair.objects.filter(Q(a__in=ids) | Q(b__in=ids), kind=kind)
    return {pk for pair in pairs.values_list("a", "b") for pk in pair}


def rescore(kind: str, ids: Iterable[Any], now: datetime.datetime | None = None) -> int:
    """Score the records of ``ids`` again and store their scores; a record
    that no longer exists or is archived loses its score. Returns how many
    were scored."""
    assert kind in KINDS
    now = now or timezone.now()
    # Event ids are text, the candidates' are UUIDs: one of each record.
    ids = list(dict.fromkeys(pk for pk in map(parse_uuid, ids) if pk is not None))
    stored = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        facts = _facts(kind, batch)
        gone = [pk for pk in batch if pk not in facts]
        if gone:
            QualityScore.objects.filter(kind=kind, record_id__in=gone).delete()
        rows = []
        for pk, fact in facts.items():
            result = score(kind, fact, now)
            rows.append(
                QualityScore(
                    kind=kind,
                    record_id=pk,
                    score=result.score,
                    completeness=result.completeness,
                    validity=result.validity,
                    freshness=result.freshness,
                    duplicates=result.duplicates,
                    reasons=result.reasons,
                    computed_at=now,
                )
            )
        QualityScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kind", "record_id"],
            update_fields=[
                "score", "completeness", "validity", "freshness", "duplicates", "reasons",
                "computed_at",
            ],
        )  # fmt: skip
        stored += len(rows)
    return stored


def rescore_all(kind: str, now: datetime.datetime | None = None) -> int:
    """Score every record of ``kind`` (batch by batch, in the order of their
    ids) and drop the scores of records that are gone or archived."""
    now = now or timezone.now()
    model = MODELS[kind]
    stored = 0
    after: UUID | None = None
    while True:
        page = model.objects.filter(archived_at__isnull=True).order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        ids = list(page.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        stored += rescore(kind, ids, now)
        after = ids[-1]
    live = model.objects.filter(archived_at__isnull=True).values("pk")
    QualityScore.objects.filter(kind=kind).exclude(record_id__in=live).delete()
    return stored
