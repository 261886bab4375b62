"""A received email as a user may read it, outside a request: the data of
the ``email.received`` event (kontor.events.catalogue)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from kontor.api.answers import render_answer
from kontor.api.schemas import Schema
from kontor.core.offline_request import request_for
from kontor.mail.models import InboundMessage
from kontor.mail.selectors import message_get


class ReceivedEmailOut(Schema):
    id: UUID
    message_id: str
    thread: str
    subject: str
    from_: str = Field(alias="from")

    model_config = {"populate_by_name": True}
    sent_at: datetime | None
    direction: str
    activity_id: UUID | None = Field(description="The email on the timeline; null: unassigned.")
    problems: list[str]
    raw_url: str


def received_email_answer(record: InboundMessage, user: Any) -> dict[str, Any] | None:
    message = message_get(user=user, message_id=record.pk)
    if message is None:
        return None
    request = request_for(user)
    return render_answer(
        ReceivedEmailOut,
        {
            **{f: getattr(message, f) for f in ("id", "message_id", "thread", "subject")},
            "from": message.from_address,
            "sent_at": message.sent_at,
            "direction": message.direction,
            "activity_id": message.activity_id,
            "problems": message.problems,
            "raw_url": request.build_absolute_uri(f"/api/v1/mail/messages/{message.pk}/raw"),
        },
        request=request,
    )
