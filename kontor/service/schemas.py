"""API schemas of tickets and their conversations."""

import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from kontor.access.schemas import HIDDEN_FIELD_NOTE, FieldFilteredOut, request_user
from kontor.api.fields import IsoDateTime
from kontor.api.schemas import Schema, StrictSchema
from kontor.contacts.visibility import shown_contact_id, shown_organization_id
from kontor.service.models import Channel, Priority, Status, Ticket
from kontor.service.selectors import is_breached

MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
PriorityName = Literal[tuple(Priority.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(Status.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]


class TicketFields(StrictSchema):
    subject: str | None = Field(None, max_length=255)
    description: str | None = Field(None, max_length=100_000)
    contact_id: UUID | None = Field(
        None, description="With a contact alone, its organization is taken too."
    )
    organization_id: UUID | None = None
    team_id: UUID | None = Field(None, description="The queue.")
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    priority: PriorityName | None = Field(None, description="Default: normal.")
    status: StatusName | None = Field(
        None,
        description="Default: new. pending stops the SLA clock; resolved and closed stamp "
        "their time, a later open status clears it.",
    )
    category: str | None = Field(None, max_length=100)
    channel: ChannelName | None = Field(None, description="Default: api.")
    first_response_due_at: IsoDateTime | None = Field(
        None, description="Given by hand; with an SLA policy its targets compute it."
    )
    resolution_due_at: IsoDateTime | None = Field(
        None, description="Given by hand; with an SLA policy its targets compute it."
    )
    sla_policy_id: UUID | None = Field(
        None,
        description="Default: the policy for a tag of the ticket's organization, else the "
        "default policy. Its targets (in the business hours of its calendar, stopped while "
        "pending) give the due times.",
    )


class TicketIn(TicketFields):
    subject: str = Field(max_length=255)


class TicketPatch(TicketFields):
    version: int | None = Field(
        None,
        ge=0,
        le=MAX_VERSION,
        description="The version you read; 409 if it is no longer current.",
    )


class TicketOut(FieldFilteredOut):
    access_object_type: ClassVar[str] = "ticket"

    id: UUID
    number: str = Field(description="T-000123: numbered without gaps.")
    subject: str = Field("", description=HIDDEN_FIELD_NOTE)
    description: str = Field("", description=HIDDEN_FIELD_NOTE)
    status: str
    priority: str
    category: str
    channel: str
    contact_id: UUID | None = Field(description="Null also when it is not visible to you.")
    organization_id: UUID | None = Field(description="Null also when it is not visible to you.")
    team_id: UUID | None
    assignee_id: int | None
    sla_policy_id: UUID | None = None
    first_response_due_at: datetime.datetime | None
    resolution_due_at: datetime.datetime | None
    first_responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    breached: bool = Field(
        description="Marked breached, or still open past a due time it has not met."
    )
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_sla_policy_id(obj: Ticket) -> UUID | None:
        return getattr(obj, "sla_policy_id", None)

    @staticmethod
    def resolve_breached(obj: Ticket) -> bool:
        return is_breached(obj)

    @staticmethod
    def resolve_organization_id(obj: Ticket, context: Any) -> UUID | None:
        return shown_organization_id(request_user(context), obj)

    @staticmethod
    def resolve_contact_id(obj: Ticket, context: Any) -> UUID | None:
        return shown_contact_id(request_user(context), obj)


class TicketList(Schema):
    items: list[TicketOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class TicketMessageIn(StrictSchema):
    kind: Literal["reply", "note"] = Field(
        description="reply: emailed to the customer; note: internal."
    )
    body: str = Field(max_length=100_000)


class TicketMessageOut(Schema):
    id: int
    kind: str = Field(description="reply, note or inbound (what the customer wrote).")
    body: str
    author_id: int | None
    sender: str = Field(description="Who wrote an inbound message.")
    email_id: UUID | None = Field(description="The outgoing email that carries a reply.")
    inbound_email_id: UUID | None = Field(
        None,
        description="The received email an inbound message came as (/api/v1/mail/messages/{id}).",
    )
    created_at: datetime.datetime


class TicketMessageList(Schema):
    items: list[TicketMessageOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class TicketBulkIn(StrictSchema):
    ids: list[UUID] = Field(min_length=1, max_length=500)
    action: Literal["assign", "close"]
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID, description="For assign; null: nobody.")


class TicketBulkOut(Schema):
    changed: list[UUID]
    refused: list[UUID] = Field(description="Tickets you may read but not change.")
