"""3CX's CRM integration (a CRM template in the 3CX management console).

Contact lookup: GET /api/v1/telephony/3cx/lookup?number=[Number] answers
flat JSON, as 3CX's templates map it::

    {"contacts": [{"id", "firstname", "lastname", "company", "email",
                   "phone_business", "phone_mobile", "url"}]}

Call journal: POST /api/v1/telephony/3cx/calls, JSON or form-encoded, with
the template's variables::

    call_id=[CallID] number=[Number] call_type=[CallType]
    direction=[CallDirection] agent=[Agent] agent_email=[AgentEmail]
    duration=[Duration] started_at=[DateTime]

``call_type`` is Inbound, Outbound, Missed or Notanswered; ``duration``
hh:mm:ss or seconds. Without a call id, the call is known by its number,
start and agent, so a journal entry sent twice is logged once.

Authenticate with the integration user's token (3CX sends it as
``Authorization: Bearer``) or the secret in ``?token=``."""

import hashlib
import json
import re
from typing import Any

from django.http import HttpRequest

from kontor.activities.models import Direction
from kontor.contacts.models import ContactPointLabel
from kontor.contacts.selectors import Match
from kontor.contacts.visibility import note_visible_organizations, shown_organization
from kontor.core.exceptions import FieldErrors
from kontor.telephony.models import CallEventKind
from kontor.telephony.services import CallEventData

_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.\d+)?\s*$")
MAX_FIELD_LENGTH = 255


def contacts_out(
    request: HttpRequest, matches: list[Match], *, user: Any
) -> dict[str, list[dict[str, Any]]]:
    """``matches`` as looked up for ``user``, with their emails and phones
    prefetched; a contact's company only if ``user`` may see it."""
    note_visible_organizations(user, [match.record for match in matches])
    contacts = []
    for match in matches:
        record = match.record
        phones = list(record.phones.all())
        emails = list(record.emails.all())
        mobile = next((p for p in phones if p.label == ContactPointLabel.MOBILE), None)
        business = next((p for p in phones if p.label != ContactPointLabel.MOBILE), None)
        organization = shown_organization(user, record)
        is_contact = match.type == "contact"
        contacts.append(
            {
                "id": str(record.pk),
                "firstname": record.first_name if is_contact else "",
                "lastname": record.last_name if is_contact else "",
                "company": (organization.name if organization else "")
                if is_contact
                else record.name,
                "email": emails[0].address if emails else "",
                "phone_business": business.e164 if business else "",
                "phone_mobile": mobile.e164 if mobile else "",
                "url": request.build_absolute_uri(record.get_absolute_url()),
            }
        )
    return {"contacts": contacts}


def journal_fields(request: HttpRequest) -> dict[str, str]:
    """The journal entry's fields, from JSON or a form, names in lower case."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise FieldErrors.single("__all__", "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise FieldErrors.single("__all__", "the body must be a JSON object")
        items = body.items()
    else:
        items = request.POST.items()
    fields = {}
    for key, value in items:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise FieldErrors.single(str(key), "must be text")
        if len(value) > MAX_FIELD_LENGTH:
            raise FieldErrors.single(str(key), f"must be at most {MAX_FIELD_LENGTH} characters")
        fields[str(key).lower()] = value.strip()
    return fields


def _seconds(value: str) -> int | None:
    if not value:
        return None
    if value.isdigit():
        return int(value)
    match = _DURATION.match(value)
    if match is None:
        raise FieldErrors.single("duration", "must be hh:mm:ss or a number of seconds")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def journal_events(fields: dict[str, str]) -> list[CallEventData]:
    """The events a journal entry stands for, in order."""
    call_type = fields.get("call_type", "").lower()
    if call_type not in {"inbound", "outbound", "missed", "notanswered"}:
        raise FieldErrors.single("call_type", "must be Inbound, Outbound, Missed or Notanswered")
    number = fields.get("number", "")
    if not number:
        raise FieldErrors.single("number", "is required")
    direction_field = fields.get("direction", "").lower()
    if direction_field in {"inbound", "outbound"}:
        direction = direction_field
    else:
        direction = Direction.OUTBOUND if call_type in {"outbound", "notanswered"} else "inbound"
    agents = tuple(a for a in (fields.get("agent", ""), fields.get("agent_email", "")) if a)
    call_id = (
        fields.get("call_id")
        or "3cx-"
        + hashlib.sha256(
            "|".join([number, fields.get("started_at", ""), *agents, call_type]).encode()
        ).hexdigest()[:32]
    )
    own_side = fields.get("agent", "")
    common = {
        "call_id": call_id,
        "from_number": number if direction == Direction.INBOUND else own_side,
        "to_number": own_side if direction == Direction.INBOUND else number,
        "direction": direction,
        "agents": agents,
        "payload": fields,
    }
    if call_type == "missed":
        return [CallEventData(event=CallEventKind.MISSED, **common)]
    if call_type == "notanswered":
        return [CallEventData(event=CallEventKind.ENDED, duration_seconds=0, **common)]
    return [
        CallEventData(event=CallEventKind.ANSWERED, **common),
        CallEventData(
            event=CallEventKind.ENDED,
            duration_seconds=_seconds(fields.get("duration", "")),
            **common,
        ),
    ]
