"""Reads of quality scores, each limited to the records the user may read;
reasons name only fields the user may read (an email address of a person
needs the right to read personal fields)."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kontor.access.policy import fields_for, visible_records
from kontor.core.pagination import Page, paginate
from kontor.quality.models import KINDS, QualityScore
from kontor.quality.scoring import WEIGHTS

# The record type's field a reason is about (the others are always shown).
REASON_FIELDS = {"email": "emails", "phone": "phones", "name": "name", "website": "website",
                 "organization": "organization", "owner": "owner"}  # fmt: skip
PARTS = tuple(WEIGHTS)


def _missing_text(field: str) -> str:
    return {
        "name": _("no name"),
        "email": _("no email address"),
        "phone": _("no phone number"),
        "organization": _("no organization"),
        "owner": _("no owner"),
        "website": _("no website"),
        "contacts": _("no contacts"),
    }.get(field, field)


def reason_text(reason: dict[str, Any]) -> str:
    code = reason["code"]
    if code == "missing":
        return _missing_text(reason["field"])
    if code == "bouncing":
        return _("an email address bounces")
    if code == "bad_phone":
        return _("a phone number is no valid number")
    if code == "bad_website":
        return _("website %(value)s is no web address") % reason
    if code == "bad_name":
        return _("the name contains digits or @")
    if code == "untouched":
        months = reason["months"]
        return ngettext(
            "not touched for %(months)d month", "not touched for %(months)d months", months
        ) % {"months": months}
    if code == "duplicates":
        count = reason["count"]
        return ngettext("%(count)d possible duplicate", "%(count)d possible duplicates", count) % {
            "count": count
        }
    return code


def readable_reasons(user: Any, key: str, reasons: list[dict]) -> list[dict]:
    """The reasons whose fields the user may read, each with its text."""
    fields = fields_for(user, key)
    return [
        {**reason, "text": reason_text(reason)}
        for reason in reasons
        if "field" not in reason
        or REASON_FIELDS.get(reason["field"], reason["field"]) in fields
        or reason["field"] not in REASON_FIELDS
    ]


@dataclass
class Quality:
    score: int
    parts: dict[str, dict[str, int]]
    reasons: list[dict[str, Any]]
    computed_at: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "parts": self.parts,
            "reasons": self.reasons,
            "computed_at": self.computed_at,
        }


def quality(user: Any, key: str, row: QualityScore) -> Quality:
    return Quality(
        score=row.score,
        parts={part: {"points": getattr(row, part), "of": WEIGHTS[part]} for part in PARTS},
        reasons=readable_reasons(user, key, row.reasons),
        computed_at=row.computed_at,
    )


def quality_of(*, user: Any, key: str, record: Any) -> Quality | None:
    """The score of ``record`` (read by the caller as the user may read it),
    None while it has none yet."""
    row = QualityScore.objects.filter(kind=key, record_id=record.pk).first()
    return quality(user, key, row) if row is not None else None


def scored_below(key: str, below: int) -> QuerySet:
    """The ids of records of ``key`` whose score is below ``below`` (a
    subquery for the lists' filter, served by the score index)."""
    return QualityScore.objects.filter(kind=key, score__lt=below).values("record_id")


@dataclass
class QueueItem:
    record: Any
    quality: Quality


def cleanup_queue(
    *, user: Any, key: str, below: int = 100, limit: int, cursor: str | None
) -> Page[QueueItem]:
    """The records of ``key`` the user may read with a score below ``below``,
    worst first (archived ones left out)."""
    assert key in KINDS
    visible = visible_records(user, key).filter(archived_at__isnull=True)
    # EXISTS, not IN: the database walks the score index worst first and
    # checks each row's record by its primary key, stopping after a page,
    # instead of collecting every record the user may read first.
    rows = QualityScore.objects.filter(
        Exists(visible.filter(pk=OuterRef("record_id"))), kind=key, score__lt=below
    )
    page = paginate(rows, order=("score", "id"), limit=limit, cursor=cursor)
    records: dict[UUID, Any] = visible.in_bulk([row.record_id for row in page.items])
    items = [
        QueueItem(record=records[row.record_id], quality=quality(user, key, row))
        for row in page.items
        if row.record_id in records
    ]
    return Page(items=items, next=page.next)
