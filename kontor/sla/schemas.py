"""API schemas of calendars and SLA policies. The services check the
structure of ``hours`` and ``targets`` and answer with the field at fault."""

import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import Field

from kontor.api.schemas import Schema, StrictSchema

MAX_VERSION = 2**31 - 1
VERSION_FIELD = Field(
    None, ge=0, le=MAX_VERSION, description="The version you read; 409 if it is no longer current."
)
HOURS_NOTE = (
    'Per weekday (mon … sun) the open periods as ["HH:MM", "HH:MM"] pairs in the calendar\'s '
    "local time (an end may be 24:00), e.g. "
    '{"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}; a day left out is closed.'
)
TARGETS_NOTE = (
    "Per priority (low, normal, high, urgent) the targets in business minutes, e.g. "
    '{"urgent": {"first_response_minutes": 30, "resolution_minutes": 240}}; a priority '
    "left out has no SLA clock."
)


class CalendarIn(StrictSchema):
    name: str = Field(max_length=120)
    time_zone: str = Field("Europe/Berlin", max_length=64, description="An IANA time zone name.")
    country: str = Field(
        "", max_length=3, description="ISO 3166 code whose public holidays apply ('' for none)."
    )
    subdivision: str = Field(
        "", max_length=32, description="A state or region of the country, e.g. BY."
    )
    hours: dict[str, Any] = Field(description=HOURS_NOTE)
    closed_days: list[str] = Field(
        default_factory=list, max_length=1000, description="The company's own closed days."
    )


class CalendarPatch(StrictSchema):
    name: str | None = Field(None, max_length=120)
    time_zone: str | None = Field(None, max_length=64)
    country: str | None = Field(None, max_length=3)
    subdivision: str | None = Field(None, max_length=32)
    hours: dict[str, Any] | None = Field(None, description=HOURS_NOTE)
    closed_days: list[str] | None = Field(None, max_length=1000)
    version: int | None = VERSION_FIELD


class CalendarOut(Schema):
    id: UUID
    name: str
    time_zone: str
    country: str
    subdivision: str
    hours: dict[str, list[list[str]]]
    closed_days: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class CalendarList(Schema):
    items: list[CalendarOut]


class Target(Schema):
    first_response_minutes: int
    resolution_minutes: int


class PolicyIn(StrictSchema):
    name: str = Field(max_length=120)
    calendar_id: UUID
    targets: dict[str, Any] = Field(description=TARGETS_NOTE)
    organization_tag: str | None = Field(
        None, max_length=64, description="For the customers with this tag (a customer tier)."
    )
    is_default: bool = Field(False, description="For tickets no other policy fits (one at most).")
    warning_share: Decimal = Field(
        Decimal("0.80"),
        description="The assignee is warned when this share of a target has passed (0 to 1).",
    )
    reassign_on_breach: bool = Field(
        False, description="A breached ticket goes to the lead of its team."
    )


class PolicyPatch(StrictSchema):
    name: str | None = Field(None, max_length=120)
    calendar_id: UUID | None = None
    targets: dict[str, Any] | None = Field(None, description=TARGETS_NOTE)
    organization_tag: str | None = Field(None, max_length=64)
    is_default: bool | None = None
    warning_share: Decimal | None = None
    reassign_on_breach: bool | None = None
    version: int | None = VERSION_FIELD


class PolicyOut(Schema):
    id: UUID
    name: str
    calendar_id: UUID
    targets: dict[str, Target]
    organization_tag: str | None
    is_default: bool
    warning_share: float
    reassign_on_breach: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class PolicyList(Schema):
    items: list[PolicyOut]
