"""API of the phone-system integration: call events (Kontor's JSON, sipgate,
3CX), the 3CX contact lookup, and the calls list with "make a contact of
this unknown caller"."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.contacts.schemas import LookupMatch, match_out
from kontor.contacts.selectors import lookup_phone
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.telephony import selectors, services
from kontor.telephony.auth import integration_auth
from kontor.telephony.models import Call, PhoneIntegration
from kontor.telephony.providers import generic, sipgate, threecx
from kontor.telephony.screen_pop import ringing_payload

router = Router(tags=["telephony"])
NOT_FOUND = {"detail": "Not found."}


class CallEventOut(Schema):
    call_id: str
    matches: list[LookupMatch] = Field(description="As /api/v1/lookup returns them.")
    event: str
    duplicate: bool = Field(description="The event had come before and changed nothing.")
    call: dict[str, Any] = Field(description="The call as Kontor has it now.")


def _call_state(call: Call) -> dict[str, Any]:
    return {
        "id": str(call.pk),
        "direction": call.direction,
        "number": call.number,
        "outcome": call.outcome,
        "duration_seconds": call.duration_seconds,
        "agent": call.agent.get_username() if call.agent else None,
        "activity_id": str(call.activity_id) if call.activity_id else None,
        "callback_task_id": str(call.callback_task_id) if call.callback_task_id else None,
        "unknown_caller": call.is_unknown_caller,
    }


def _receive(request: HttpRequest, data: services.CallEventData) -> dict[str, Any]:
    integration: PhoneIntegration = request.auth
    result = services.call_event_receive(integration=integration, data=data, request=request)
    return {
        **ringing_payload(request=request, call=result.call, matches=result.matches),
        "event": data.event,
        "duplicate": result.duplicate,
        "call": _call_state(result.call),
    }


@router.post("/telephony/events", response=CallEventOut, auth=integration_auth)
def call_event(request: HttpRequest, payload: generic.CallEventIn):
    """A call event of any phone system (Kontor's JSON format). Answers with
    the caller's matches, best first, as /api/v1/lookup does. Sign the raw
    body (HMAC-SHA256, hex, in X-Kontor-Signature) or send the integration
    user's Bearer token."""
    return _receive(request, generic.event_data(payload))


@router.post(
    "/telephony/sipgate",
    response={200: None},
    auth=integration_auth,
    openapi_extra={
        "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
        "responses": {200: {"description": "sipgate's XML", "content": {"application/xml": {}}}},
    },
)
def sipgate_event(request: HttpRequest):
    """sipgate.io push events (newCall, answer, hangup), form-encoded.
    sipgate sends no token: add ``?token=<secret>`` to the URL."""
    data = sipgate.event_data(request.POST)
    if data is not None:
        services.call_event_receive(integration=request.auth, data=data, request=request)
    return sipgate.response(request, data)


class ThreeCxLookupParams(Schema):
    number: str = Field(max_length=64, description="[Number] as 3CX sends it.")


@router.get("/telephony/3cx/lookup", auth=integration_auth)
def threecx_lookup(request: HttpRequest, params: Query[ThreeCxLookupParams]):
    """3CX contact lookup: flat JSON for 3CX's CRM template."""
    user = request.auth.user
    matches = lookup_phone(user=user, number=params.number)
    prefetch_related_objects([m.record for m in matches], "emails", "phones")
    return threecx.contacts_out(request, matches, user=user)


@router.post("/telephony/3cx/calls", auth=integration_auth)
def threecx_journal(request: HttpRequest):
    """3CX call journal: one entry per finished call."""
    events = threecx.journal_events(threecx.journal_fields(request))
    result = None
    for data in events:
        result = _receive(request, data)
    return result


# The calls list, for colleagues -----------------------------------------------------


class CallOut(Schema):
    id: UUID
    call_id: str
    direction: str
    from_number: str
    to_number: str
    number: str
    outcome: str
    duration_seconds: int | None
    agent_id: int | None
    contact_id: UUID | None
    organization_id: UUID | None
    activity_id: UUID | None
    unknown_caller: bool
    started_at: datetime

    @staticmethod
    def resolve_unknown_caller(obj: Call) -> bool:
        return obj.is_unknown_caller


class CallList(Schema):
    items: list[CallOut]
    next: str | None


class CallListParams(Schema):
    unknown: bool = Field(False, description="Only calls of unknown callers.")
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class CreatedContact(Schema):
    contact_id: UUID
    url: str
    match: LookupMatch


@router.get("/telephony/calls", response=CallList)
def list_calls(request: HttpRequest, params: Query[CallListParams]):
    """Calls you may see, newest first; ``unknown=true`` for unknown callers."""
    calls = selectors.call_list(user=request.user, unknown_only=params.unknown)
    return paginate(calls, order=("-created_at", "-id"), limit=params.limit, cursor=params.cursor)


@router.get("/telephony/calls/{call_id}", response={200: CallOut, 404: dict})
def get_call(request: HttpRequest, call_id: str):
    call = selectors.call_get(user=request.user, call_id=call_id)
    if call is None:
        return Status(404, NOT_FOUND)
    return call


@router.post("/telephony/calls/{call_id}/contact", response={201: CreatedContact, 404: dict})
def create_contact_from_call(request: HttpRequest, call_id: str):
    """Make a contact (a lead) of an unknown caller's number; the call, and
    earlier unknown calls from that number, move onto its timeline."""
    call = selectors.call_get(user=request.user, call_id=call_id)
    if call is None:
        return Status(404, NOT_FOUND)
    contact = services.call_create_contact(actor=request.user, call=call)
    matches = [m for m in lookup_phone(user=request.user, number=call.number)]
    match = next((m for m in matches if m.record.pk == contact.pk), None)
    if match is None:
        raise FieldErrors.single("call", "the new contact is not visible to you")
    return Status(
        201,
        {
            "contact_id": contact.pk,
            "url": request.build_absolute_uri(contact.get_absolute_url()),
            "match": match_out(request, match),
        },
    )
