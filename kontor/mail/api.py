"""API of email import: POST a raw message, read what became of it."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.schemas import Schema
from kontor.contacts.schemas import LookupMatch, matches_out
from kontor.core.exceptions import FieldErrors
from kontor.mail import selectors
from kontor.mail.models import (
    RAW_CONTENT_TYPES,
    RAW_EXTENSIONS,
    InboundMessage,
    Mailbox,
    RawFormat,
    Source,
)
from kontor.mail.services import (
    IngestResult,
    MessageTooLarge,
    max_message_bytes,
    message_ingest,
    message_routing,
)

router = Router(tags=["mail"])
NOT_FOUND = {"detail": "Not found."}


class CreatedContact(Schema):
    id: UUID
    display_name: str
    url: str


class MessageOut(Schema):
    id: UUID
    activity_id: UUID | None
    matched: list[LookupMatch] = Field(description="As /api/v1/lookup returns them.")
    created_contacts: list[CreatedContact]
    duplicate: bool = Field(description="This message had been received before.")
    message_id: str
    thread: str
    problems: list[str] = Field(description="What could not be read; the raw message is kept.")
    raw_url: str
    kind: str = Field(
        description="email, delivery_report (a bounce or delay), read_receipt or complaint."
    )
    format: str = Field(description="rfc822 (.eml) or outlook (.msg): what raw_url gives back.")
    report: dict[str, Any] | None = Field(
        description="What a bounce, read receipt or abuse report says (null for other mail)."
    )
    refers_to_activity_id: UUID | None = Field(
        description="The sent email a report is about, when Kontor has it and you may see it."
    )
    ticket_id: UUID | None = Field(
        None,
        description="The ticket the message opened or joined (mail to a service address, or a "
        "reply on a ticket), when you may see it.",
    )


class InboundParams(Schema):
    mailbox: UUID | None = Field(
        None, description="The mailbox it was sent to: its own addresses and settings apply."
    )
    create_contacts: bool | None = Field(
        None,
        description="Make a contact of an unknown sender (default: the mailbox's setting, on).",
    )


def message_out(request: HttpRequest, result: IngestResult) -> dict[str, Any]:
    message = result.message
    refers_to = selectors.visible_referred_activity_id(user=request.user, message=message)
    return {
        "id": message.pk,
        "activity_id": message.activity_id,
        "matched": matches_out(request, result.matches),
        "created_contacts": [
            {
                "id": c.pk,
                "display_name": c.display_name,
                "url": request.build_absolute_uri(c.get_absolute_url()),
            }
            for c in result.created_contacts
        ],
        "duplicate": result.duplicate,
        "message_id": message.message_id,
        "thread": message.thread,
        "problems": message.problems,
        "raw_url": request.build_absolute_uri(f"/api/v1/mail/messages/{message.pk}/raw"),
        "kind": message.kind,
        "format": message.raw_format,
        "report": message.report or None,
        "refers_to_activity_id": refers_to,
        "ticket_id": result.routed.get("ticket_id"),
    }


def _raw_body(request: HttpRequest) -> bytes:
    """The body, read past Django's in-memory limit for form data (a message
    with attachments is larger), up to KONTOR_MAIL_MAX_MESSAGE_MB."""
    limit = max_message_bytes()
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise MessageTooLarge.single(
            "message",
            f"is too large; messages may be at most {settings.KONTOR_MAIL_MAX_MESSAGE_MB} MB",
        )
    return raw


OUTLOOK_CONTENT_TYPES = {"application/vnd.ms-outlook", "application/x-ole-storage"}


def _format(request: HttpRequest) -> str:
    content_type = request.content_type.lower() if request.content_type else ""
    return RawFormat.OUTLOOK if content_type in OUTLOOK_CONTENT_TYPES else RawFormat.RFC822


@router.post(
    "/mail/inbound",
    response={200: MessageOut, 201: MessageOut, 413: dict},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ("message/rfc822", "application/vnd.ms-outlook")
            },
        }
    },
)
def inbound(request: HttpRequest, params: Query[InboundParams]):
    """Take in one email: the raw RFC 5322 message as the body (Content-Type:
    message/rfc822), or an Outlook file (Content-Type:
    application/vnd.ms-outlook). 201 when it was new, 200 when it had come
    before. A broken message is kept and answered with its ``problems``, never
    with 500; an Outlook file that cannot be read is a 422 that says why."""
    mailbox = None
    if params.mailbox is not None:
        mailbox = Mailbox.objects.filter(pk=params.mailbox, is_active=True).first()
        if mailbox is None:
            raise FieldErrors.single("mailbox", "is not an active mailbox")
    try:
        result = message_ingest(
            actor=request.user,
            raw=_raw_body(request),
            source=Source.API,
            mailbox=mailbox,
            create_unknown_contacts=params.create_contacts,
            raw_format=_format(request),
        )
    except MessageTooLarge as exc:
        return Status(413, {"detail": exc.errors["message"][0]})
    return Status(200 if result.duplicate else 201, message_out(request, result))


@router.get("/mail/messages/{message_id}", response={200: MessageOut, 404: dict})
def get_message(request: HttpRequest, message_id: str):
    message = selectors.message_get(user=request.user, message_id=message_id)
    if message is None:
        return Status(404, NOT_FOUND)
    routed = message_routing(actor=request.user, message=message)
    return message_out(request, IngestResult(message=message, routed=routed))


@router.get(
    "/mail/messages/{message_id}/raw",
    response={200: None, 404: dict},
    openapi_extra={
        "responses": {200: {"content": {"message/rfc822": {}, "application/vnd.ms-outlook": {}}}}
    },
)
def get_raw_message(request: HttpRequest, message_id: str):
    """The message exactly as received (an Outlook file as uploaded)."""
    message = selectors.message_get(user=request.user, message_id=message_id)
    if message is None:
        return Status(404, NOT_FOUND)
    return raw_response(message)


def raw_response(message: InboundMessage) -> FileResponse:
    """The message exactly as received: an .eml, or the Outlook file as uploaded."""
    response = FileResponse(
        message.raw.open("rb"),
        as_attachment=True,
        filename=f"message-{message.pk}.{RAW_EXTENSIONS[message.raw_format]}",
        content_type=RAW_CONTENT_TYPES[message.raw_format],
    )
    response["Content-Length"] = str(message.raw.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
