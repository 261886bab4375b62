"""What a screen pop shows about a caller: the lookup's matches as
/api/v1/lookup returns them, and for the best ones their lifecycle stage,
open tasks and last interactions, all as the receiving user may see them."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from kontor.activities import selectors as activity_selectors
from kontor.activities.models import Kind, TaskStatus
from kontor.contacts.models import Contact
from kontor.contacts.schemas import match_out, matches_out
from kontor.contacts.selectors import Match, lookup_phone
from kontor.contacts.visibility import note_visible_organizations
from kontor.telephony.models import Call

DETAILED_RECORDS = 3
OPEN_TASKS = 5
LAST_INTERACTIONS = 3


def caller_matches(
    *, user: AbstractBaseUser, call: Call, restricted: list | None = None
) -> list[Match]:
    """The records the caller's number names, as ``user`` may see them;
    ``restricted`` gains the people with it whom ``user`` would see but for
    the restriction of their processing (GDPR Art. 18)."""
    number = call.caller_number_as_sent
    return lookup_phone(user=user, number=number, restricted=restricted) if number else []


def caller_is_restricted(*, user: AbstractBaseUser, call: Call) -> bool:
    """Is the caller a person ``user`` would see but whose processing is
    restricted? Their screen pop then says "restricted" and nothing else."""
    restricted: list = []
    caller_matches(user=user, call=call, restricted=restricted)
    return bool(restricted)


def record_details(
    *, user: AbstractBaseUser, matches: list[Match], call: Call | None = None
) -> list[dict[str, Any]]:
    """Open tasks and last interactions (before ``call``) of the best matches:
    a fixed number of queries per record, for at most ``DETAILED_RECORDS``."""
    note_visible_organizations(user, [match.record for match in matches[:DETAILED_RECORDS]])
    details = []
    for match in matches[:DETAILED_RECORDS]:
        record = match.record
        if isinstance(record, Contact):
            activities = activity_selectors.contact_activities(user=user, contact_id=record.pk)
        else:
            activities = activity_selectors.organization_activities(user=user, organization=record)
        tasks = activities.filter(kind=Kind.TASK, status=TaskStatus.OPEN).order_by(
            *activity_selectors.TASK_ORDER
        )[:OPEN_TASKS]
        interactions = activities.filter(kind__in=[Kind.CALL, Kind.EMAIL, Kind.MEETING, Kind.NOTE])
        if call is not None and call.activity_id:
            interactions = interactions.exclude(pk=call.activity_id)
        interactions = interactions.order_by(*activity_selectors.TIMELINE_ORDER)[:LAST_INTERACTIONS]
        details.append(
            {
                "match": match,
                "record": record,
                "open_tasks": list(tasks),
                "last_interactions": list(interactions),
            }
        )
    return details


def _activity_out(request: HttpRequest, activity) -> dict[str, Any]:
    return {
        "id": str(activity.pk),
        "kind": activity.kind,
        "subject": activity.subject,
        "direction": activity.direction,
        "occurred_at": activity.occurred_at.isoformat(),
        "due_at": activity.due_at.isoformat() if activity.due_at else None,
        "url": request.build_absolute_uri(activity.get_absolute_url()),
    }


def ringing_payload(
    *, request: HttpRequest, call: Call, matches: list[Match], user: AbstractBaseUser | None = None
) -> dict[str, Any]:
    """The response to a ringing event and, with ``user``'s screen-pop
    details, the ``call`` event on their stream. ``matches`` as looked up
    for ``user``, or without ``user`` for the integration's user."""
    viewer = user if user is not None else call.integration.user
    restricted = not matches and caller_is_restricted(user=viewer, call=call)
    payload: dict[str, Any] = {
        "call_id": call.call_id,
        "matches": [_jsonable(m) for m in matches_out(request, matches, user=viewer)],
        "restricted": restricted,
    }
    if user is None:
        return payload
    payload["sent_at"] = timezone.now().isoformat()
    payload["call"] = {
        "id": str(call.pk),
        "event": "ringing",
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to_number,
        "number": call.number,
        "agent": call.agent.get_username() if call.agent else None,
    }
    payload["records"] = [
        {
            **_jsonable(match_out(request, d["match"], user=user)),
            "lifecycle_stage": d["record"].lifecycle_stage,
            "open_tasks": [_activity_out(request, t) for t in d["open_tasks"]],
            "last_interactions": [_activity_out(request, a) for a in d["last_interactions"]],
        }
        for d in record_details(user=user, matches=matches, call=call)
    ]
    payload["pop_url"] = request.build_absolute_uri(reverse("call-pop", args=[call.pk]))
    payload["create_contact_url"] = (
        request.build_absolute_uri(reverse("call-create-contact", args=[call.pk]))
        if not matches and call.number and not restricted
        else None
    )
    return payload


def _jsonable(value: Any) -> Any:
    """UUIDs as text, as the API's JSON has them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
