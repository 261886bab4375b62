import json
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema, StrictSchema

PluralKind = Literal["contacts", "organizations"]
KIND_OF = {"contacts": "contact", "organizations": "organization"}


class DuplicateParams(Schema):
    type: PluralKind = "contacts"
    min_score: float = Field(0.8, ge=0, le=1)
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class ReasonOut(Schema):
    field: str = Field(description="name, email, phone, organization or domain")
    a: str
    b: str
    similarity: float = Field(description="0..1")


class DuplicateOut(Schema):
    id: UUID = Field(description="The pair, for POST /duplicates/{id}/not-duplicate.")
    a: UUID
    b: UUID
    score: float = Field(description="0..1: how alike the two records are.")
    reasons: list[ReasonOut]
    status: str


class DuplicateList(Schema):
    items: list[DuplicateOut]
    next: str | None


class MergeIn(StrictSchema):
    keep: UUID = Field(description="The record that stays.")
    merge: list[UUID] = Field(description="The records merged into it.", max_length=20)
    fields: dict[str, UUID] = Field(
        default_factory=dict,
        description='{"<field>": "<id of the record whose value wins>"}; a field not named '
        "keeps the kept record's value, or the first merged record's when it has none.",
    )


class MergeOut(Schema):
    id: UUID
    type: str
    keep: UUID
    merged: list[UUID]
    moved: dict[str, int] = Field(description="Rows re-pointed to the kept record, by relation.")
    removed: dict[str, int] = Field(
        description="Rows dropped as repeats of the kept record's (an email address it has)."
    )
    created_at: datetime
    undo_until: datetime
    undone_at: datetime | None


def merge_out(merge: Any) -> dict[str, Any]:
    from kontor.dedupe.services import UNDO_DAYS

    return {
        "id": merge.pk,
        "type": merge.kind,
        "keep": merge.survivor_id,
        "merged": merge.merged_ids,
        "moved": {key: len(rows) for key, rows in merge.moved.items()},
        "removed": {
            key: sum(len(json.loads(text)) for text in texts)
            for key, texts in merge.removed.items()
        },
        "created_at": merge.created_at,
        "undo_until": merge.created_at + timedelta(days=UNDO_DAYS),
        "undone_at": merge.undone_at,
    }
