"""API of outgoing email: send one to a customer, see how it went."""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from kontor.api.schemas import Schema, StrictSchema
from kontor.contacts.selectors import contact_get, organization_get
from kontor.core.exceptions import FieldErrors
from kontor.integration.email import selectors, services

router = Router(tags=["email"])


class EmailIn(StrictSchema):
    to: list[str] = Field(description='Addresses, e.g. "Ada <ada@example.com>".')
    cc: list[str] = Field(default_factory=list)
    subject: str = Field(max_length=255)
    text: str = Field("", description="The plain-text body.")
    html: str = Field("", description="An HTML alternative, if any.")
    contact_id: UUID | None = Field(None, description="The customer it is about.")
    organization_id: UUID | None = None
    in_reply_to: str = Field("", max_length=998, description="A Message-ID to answer.")


class EmailOut(Schema):
    id: UUID
    status: str = Field(description="queued, sent, written (no SMTP configured) or failed")
    message_id: str
    thread: str
    subject: str
    to: list[str]
    cc: list[str]
    contact_id: UUID | None
    organization_id: UUID | None
    activity_id: UUID | None = Field(description="The email on the timeline, once sent.")
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_to(obj) -> list[str]:
        return obj.to_addresses

    @staticmethod
    def resolve_cc(obj) -> list[str]:
        return obj.cc_addresses


@router.post("/emails", response={202: EmailOut})
def send_email(request: HttpRequest, payload: EmailIn):
    """Queue an email to a customer: the worker sends it through SMTP and
    logs it on the customer's timeline (replies thread back by its
    Message-ID)."""
    contact = organization = None
    errors: dict[str, list[str]] = {}
    if payload.contact_id is not None:
        contact = contact_get(user=request.user, contact_id=payload.contact_id)
        if contact is None:
            errors["contact_id"] = ["is not an existing contact"]
    if payload.organization_id is not None:
        organization = organization_get(user=request.user, organization_id=payload.organization_id)
        if organization is None:
            errors["organization_id"] = ["is not an existing organization"]
    if errors:
        raise FieldErrors(errors)
    outgoing = services.email_send(
        actor=request.user,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject,
        text=payload.text,
        html=payload.html,
        contact=contact,
        organization=organization,
        in_reply_to=payload.in_reply_to.strip(),
    )
    return Status(202, outgoing)


@router.get("/emails/{email_id}", response={200: EmailOut, 404: dict})
def get_email(request: HttpRequest, email_id: str):
    outgoing = selectors.email_get(user=request.user, email_id=email_id)
    if outgoing is None:
        return Status(404, {"detail": "Not found."})
    return outgoing
