"""Kontor's own JSON events, for any phone system or middleware that can call
a webhook: POST /api/v1/telephony/events

    {"event": "ringing", "call_id": "c-1", "from": "+49 30 1234567",
     "to": "21", "direction": "inbound", "agent": "rita"}

``event`` is ringing, answered, ended or missed; ``agent`` a username, an
email address or an extension (or null); ``duration_seconds`` the talk time,
with ``ended``. Numbers in any format, or "anonymous"."""

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from kontor.activities.services import MAX_DURATION_SECONDS
from kontor.api.schemas import Schema
from kontor.telephony.models import CallEventKind
from kontor.telephony.services import CallEventData

EventName = Literal[tuple(CallEventKind.values)]  # type: ignore[valid-type]


class CallEventIn(Schema):
    # Phone systems send more than Kontor reads; extra fields are ignored.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event: EventName
    call_id: str = Field(min_length=1, max_length=255)
    from_: str | None = Field(None, alias="from", max_length=64)
    to: str | None = Field(None, max_length=64)
    direction: Literal["inbound", "outbound"] | None = Field(
        None, description="Default inbound; needed with the first event of a call."
    )
    agent: str | None = Field(None, max_length=254)
    duration_seconds: int | None = Field(None, ge=0, le=MAX_DURATION_SECONDS)

    @field_validator("call_id", mode="before")
    @classmethod
    def _call_id_as_text(cls, value: object) -> object:
        # Some systems number their calls; an id is an id.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


def event_data(payload: CallEventIn) -> CallEventData:
    return CallEventData(
        event=payload.event,
        call_id=payload.call_id,
        from_number=payload.from_ or "",
        to_number=payload.to or "",
        direction=payload.direction or "",
        agents=(payload.agent,) if payload.agent else (),
        duration_seconds=payload.duration_seconds,
        payload=payload.model_dump(by_alias=True, exclude_none=True),
    )
