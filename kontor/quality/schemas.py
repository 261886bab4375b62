from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.quality.selectors import Quality, QueueItem

PluralKind = Literal["contacts", "organizations"]
KIND_OF = {"contacts": "contact", "organizations": "organization"}


class QueueParams(Schema):
    type: PluralKind = "contacts"
    below: int = Field(100, ge=1, le=101, description="Only records scored below this.")
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class PartOut(Schema):
    points: int
    of: int = Field(description="The part's weight: the most points it gives.")


class ReasonOut(Schema):
    part: str = Field(description="completeness, validity, freshness or duplicates")
    code: str = Field(
        description="missing, bouncing, bad_phone, bad_website, bad_name, untouched, duplicates"
    )
    text: str = Field(description="The reason in the user's language.")
    field: str | None = None
    value: str | None = None
    months: int | None = None
    count: int | None = None


class QualityOut(Schema):
    score: int = Field(description="0–100: the sum of the parts' points.")
    parts: dict[str, PartOut] = Field(
        description="completeness, validity, freshness and duplicates."
    )
    reasons: list[ReasonOut] = Field(description="Why points were lost (fields you may read).")
    computed_at: datetime


class QueueItemOut(QualityOut):
    id: UUID
    type: str
    name: str


class QueueList(Schema):
    items: list[QueueItemOut]
    next: str | None


def quality_json(quality: Quality | None) -> dict[str, Any] | None:
    return quality.as_json() if quality is not None else None


def queue_item_out(key: str, item: QueueItem) -> dict[str, Any]:
    return {
        "id": item.record.pk,
        "type": key,
        "name": item.record.display_name,
        **item.quality.as_json(),
    }
