"""The API's shapes of rules and runs (the public contract of issue 14)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from kontor.api.schemas import Schema, StrictSchema

TriggerName = Literal[
    "created",
    "updated",
    "field_changed",
    "stage_changed",
    "sla_warning",
    "sla_breach",
    "email_received",
    "date_offset",
    "inactive",
]


class RuleIn(StrictSchema):
    name: str = Field(max_length=200)
    active: bool = True
    record_type: str = Field(max_length=32, description='"contact", "deal", "ticket", …')
    trigger: dict[str, Any] = Field(
        description='{"on": "created"|"updated"|"field_changed"|…, …its parameters}'
    )
    conditions: dict[str, Any] = Field(
        default_factory=dict,
        description='{"all"|"any": [{"field", "op", "value"} or a nested group]}',
    )
    actions: list[dict[str, Any]] = Field(description='[{"type": "set_field"|…, …}]')


class RulePatch(StrictSchema):
    name: str | None = Field(None, max_length=200)
    active: bool | None = None
    record_type: str | None = Field(None, max_length=32)
    trigger: dict[str, Any] | None = None
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None


class RuleOut(Schema):
    id: UUID
    name: str
    active: bool
    record_type: str
    trigger: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    owner_id: int = Field(description="The user the rule's actions run as.")
    version: int
    created_at: datetime
    updated_at: datetime


class RuleList(Schema):
    items: list[RuleOut]
    next: str | None


class ActionResult(Schema):
    type: str
    status: Literal["done", "failed", "skipped"]
    error: str = ""
    detail: str = Field("", description="What the action did (or, in a dry run, would do).")


class RunOut(Schema):
    id: UUID
    record_type: str
    record_id: str
    trigger: str
    matched: bool
    actions: list[ActionResult]
    dry_run: bool
    depth: int
    error: str = Field(description="Why the run stopped before its actions, if it did.")
    started_at: datetime
    finished_at: datetime | None


class RunList(Schema):
    items: list[RunOut]
    next: str | None


class TryIn(StrictSchema):
    record_type: str = Field(max_length=32)
    record_id: str = Field(max_length=64)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)
