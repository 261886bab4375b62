"""Calls reported by phone systems: one path for every provider's adapter.

An event (ringing, answered, ended, missed) is applied once per call; events
may come twice or out of order. The call becomes one ``call`` activity on the
matched record's timeline, a missed call a call-back task, and a ringing call
a screen pop for the agent (``kontor.telephony.recipients``)."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.activities.models import CallOutcome, Direction, Kind, TaskStatus
from kontor.activities.services import (
    MAX_DURATION_SECONDS,
    activity_create,
    activity_update,
    task_set_done,
)
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts.models import Contact, LifecycleStage
from kontor.contacts.normalization import phone_lookup_candidates, unstorable_text_reason
from kontor.contacts.selectors import Match
from kontor.contacts.services import contact_create
from kontor.core.encryption import encrypt
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.events.outbox import emit
from kontor.events.services import publish
from kontor.telephony.models import Call, CallEvent, CallEventKind, PhoneIntegration, Provider
from kontor.telephony.recipients import screen_pop_recipients
from kontor.telephony.screen_pop import caller_is_restricted, caller_matches, ringing_payload
from kontor.telephony.selectors import agents_named

CALLBACK_DUE = datetime.timedelta(hours=1)
MAX_CALL_ID_LENGTH = 255
MAX_NUMBER_LENGTH = 64


@dataclass(frozen=True)
class CallEventData:
    """One event in Kontor's terms, whatever the phone system sent."""

    event: str
    call_id: str
    from_number: str = ""
    to_number: str = ""
    direction: str = ""  # inbound or outbound; empty: as known, else inbound
    agents: tuple[str, ...] = ()
    duration_seconds: int | None = None
    busy: bool = False
    payload: dict[str, Any] = field(default_factory=dict)  # as received, for the log


@dataclass(frozen=True)
class CallEventResult:
    call: Call
    duplicate: bool
    matches: list[Match]


# Integrations ------------------------------------------------------------------


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def phone_integration_create(
    *, actor: AbstractBaseUser, name: str, user: AbstractBaseUser, provider: str = Provider.GENERIC
) -> tuple[PhoneIntegration, str]:
    """Connect a phone system; returns it and its secret (shown to the admin,
    stored encrypted)."""
    if not actor.is_superuser:
        raise PermissionDenied("Only an administrator connects phone systems.")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = ["give a name of at most 100 characters"]
    if provider not in Provider.values:
        errors["provider"] = [f"must be one of: {', '.join(Provider.values)}"]
    if errors:
        raise FieldErrors(errors)
    integration = PhoneIntegration(name=name, provider=provider, user=user)
    secret = assign_new_secret(integration)
    integration.save()
    return integration, secret


def phone_integration_rotate_secret(
    *, actor: AbstractBaseUser, integration: PhoneIntegration
) -> str:
    if not actor.is_superuser:
        raise PermissionDenied("Only an administrator changes a phone system's secret.")
    secret = assign_new_secret(integration)
    integration.save(update_fields=["secret_encrypted", "secret_hash", "updated_at"])
    return secret


def assign_new_secret(integration: PhoneIntegration) -> str:
    """Give an (unsaved or to-be-saved) integration a new secret; returns it."""
    secret = secrets.token_urlsafe(32)
    integration.secret_encrypted = encrypt(secret)
    integration.secret_hash = _secret_hash(secret)
    return secret


# Events ------------------------------------------------------------------------


def _validate(data: CallEventData) -> None:
    errors: dict[str, list[str]] = {}
    if data.event not in CallEventKind.values:
        errors["event"] = [f"must be one of: {', '.join(CallEventKind.values)}"]
    call_id = data.call_id
    if not isinstance(call_id, str) or not call_id.strip():
        errors["call_id"] = ["is required"]
    elif len(call_id) > MAX_CALL_ID_LENGTH:
        errors["call_id"] = [f"must be at most {MAX_CALL_ID_LENGTH} characters"]
    elif reason := unstorable_text_reason(call_id):
        errors["call_id"] = [reason]
    if data.direction and data.direction not in Direction.values:
        errors["direction"] = [f"must be one of: {', '.join(Direction.values)}"]
    for name, value in (("from", data.from_number), ("to", data.to_number)):
        if len(value) > MAX_NUMBER_LENGTH:
            errors[name] = [f"must be at most {MAX_NUMBER_LENGTH} characters"]
        elif reason := unstorable_text_reason(value):
            errors[name] = [reason]
    duration = data.duration_seconds
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        errors["duration_seconds"] = ["must be a whole number of seconds, not negative"]
    elif duration is not None and duration > MAX_DURATION_SECONDS:
        errors["duration_seconds"] = ["must be at most 7 days"]
    if errors:
        raise FieldErrors(errors)


def _e164(raw: str) -> str:
    candidates = phone_lookup_candidates(raw)
    return candidates[0] if candidates else ""


def _call_for(integration: PhoneIntegration, data: CallEventData) -> tuple[Call, bool]:
    """The call with this id, made on its first event; locked until commit."""
    call_id = data.call_id.strip()
    calls = Call.objects.select_related("agent", "activity", "callback_task")
    if connection.features.has_select_for_update:
        calls = calls.select_for_update(of=("self",))
    call = calls.filter(integration=integration, call_id=call_id).first()
    if call is not None:
        return call, False
    direction = data.direction or Direction.INBOUND
    customer = data.from_number if direction == Direction.INBOUND else data.to_number
    try:
        with transaction.atomic():
            call = Call.objects.create(
                integration=integration,
                call_id=call_id,
                direction=direction,
                from_number=data.from_number,
                to_number=data.to_number,
                number=_e164(customer),
                started_at=timezone.now(),
            )
        return call, True
    except IntegrityError:  # the same call's other event won the race
        return calls.get(integration=integration, call_id=call_id), False


def _learn_numbers(call: Call, data: CallEventData) -> bool:
    """A call first heard of without numbers (an out-of-order event that
    lacked them) takes them from a later event. True if it did."""
    if call.from_number or call.to_number or not (data.from_number or data.to_number):
        return False
    call.direction = data.direction or call.direction
    call.from_number, call.to_number = data.from_number, data.to_number
    call.number = _e164(call.caller_number_as_sent)
    return True


def _log_event(call: Call, data: CallEventData) -> bool:
    """Log the event; False if it had come before."""
    try:
        with transaction.atomic():
            CallEvent.objects.create(call=call, event=data.event, payload=data.payload)
    except IntegrityError:
        CallEvent.objects.filter(call=call, event=data.event).update(
            times_received=F("times_received") + 1
        )
        return False
    return True


def _outcome(call: Call) -> str:
    if call.answered_at or (call.duration_seconds or 0) > 0:
        return CallOutcome.ANSWERED
    if call.busy:
        return CallOutcome.BUSY
    if call.missed_at or call.ended_at:
        return CallOutcome.MISSED
    return ""


def _apply(call: Call, data: CallEventData, agents: list[AbstractBaseUser]) -> None:
    now = timezone.now()
    if data.event == CallEventKind.RINGING:
        call.ringing_at = call.ringing_at or now
    elif data.event == CallEventKind.ANSWERED:
        call.answered_at = call.answered_at or now
    elif data.event == CallEventKind.ENDED:
        call.ended_at = call.ended_at or now
    elif data.event == CallEventKind.MISSED:
        call.missed_at = call.missed_at or now
    if data.duration_seconds is not None:
        call.duration_seconds = data.duration_seconds
    elif call.answered_at and call.ended_at and call.ended_at >= call.answered_at:
        call.duration_seconds = int((call.ended_at - call.answered_at).total_seconds())
    call.busy = call.busy or data.busy
    # Who took the call is who answered; before that, the one phone that rang.
    answered_by = agents and data.event == CallEventKind.ANSWERED
    if answered_by or (len(agents) == 1 and call.agent is None):
        call.agent = agents[0]
    call.outcome = _outcome(call)


def _match_record(call: Call, matches: list[Match]) -> None:
    if not matches:
        return
    best = matches[0].record
    if isinstance(best, Contact):
        call.contact = best
        call.organization = best.organization
    else:
        call.organization = best


def _record_link(call: Call) -> dict[str, Any]:
    if call.contact_id:
        return {"contact_id": call.contact_id}
    return {"organization_id": call.organization_id}


def _sync_activity(call: Call, actor: AbstractBaseUser) -> None:
    """The call's activity shows what is known of the call now."""
    if call.is_unknown_caller:
        return
    values = {
        "direction": call.direction,
        "outcome": call.outcome,
        "duration_seconds": call.duration_seconds,
        "phone_number": call.number,
    }
    if call.activity is not None:
        activity_update(actor=actor, activity=call.activity, data=values, author=call.agent)
    elif not call.activity_logged:
        call.activity = activity_create(
            actor=actor,
            data={
                "kind": Kind.CALL,
                "occurred_at": call.started_at,
                **_record_link(call),
                **values,
            },
            author=call.agent,
        )
        call.activity_logged = True


def _callback_assignee(call: Call) -> AbstractBaseUser | None:
    if call.agent is not None:
        return call.agent
    record = call.contact or call.organization
    owner = record.owner if record is not None else None
    return owner if owner is not None and owner.is_active else None


def _sync_callback(call: Call, actor: AbstractBaseUser) -> None:
    """A missed inbound call is a task to call back; answered after all (the
    events came out of order), the task is done."""
    if call.direction != Direction.INBOUND or call.is_unknown_caller:
        return
    task = call.callback_task
    if call.outcome in (CallOutcome.MISSED, CallOutcome.BUSY) and not call.callback_logged:
        assignee = _callback_assignee(call)
        record = call.contact or call.organization
        call.callback_task = activity_create(
            actor=actor,
            data={
                "kind": Kind.TASK,
                "subject": _("Call back %(name)s") % {"name": record.display_name},
                "body": _("Missed call from %(number)s.") % {"number": call.number},
                "due_at": timezone.now() + CALLBACK_DUE,
                "assignee_id": assignee.pk if assignee else None,
                **_record_link(call),
            },
        )
        call.callback_logged = True
    elif (
        call.outcome == CallOutcome.ANSWERED and task is not None and task.status == TaskStatus.OPEN
    ):
        task_set_done(actor=actor, task=task)


def _announce(
    *, request: HttpRequest, call: Call, data: CallEventData, agents: list[AbstractBaseUser]
) -> None:
    """A screen pop for whoever's phone rings; a state change for the same."""
    if data.event == CallEventKind.RINGING:
        owners = caller_matches(user=call.integration.user, call=call)
        recipients = screen_pop_recipients(agents=agents, matches=owners)
        publish(
            kind="call",
            recipients=[
                (
                    user,
                    ringing_payload(
                        request=request,
                        call=call,
                        matches=caller_matches(user=user, call=call),
                        user=user,
                    ),
                )
                for user in recipients
            ],
        )
        return
    recipients = [*agents, *([call.agent] if call.agent else [])]
    record = call.contact or call.organization
    if record is not None and record.owner is not None:
        recipients.append(record.owner)
    update = {
        "call_id": call.call_id,
        "call": {"id": str(call.pk), "event": data.event, "outcome": call.outcome},
    }
    unique = list({user.pk: user for user in recipients}.values())
    publish(kind="call-update", recipients=[(user, update) for user in unique])


def call_event_receive(
    *, integration: PhoneIntegration, data: CallEventData, request: HttpRequest
) -> CallEventResult:
    """Apply one event of a phone system (``request`` gives the links in the
    screen pops their host). Returns the lookup result of the caller's number
    as the integration's user sees it."""
    _validate(data)
    actor = integration.user
    agents = agents_named(data.agents)
    matches = None
    with transaction.atomic():
        call, created = _call_for(integration, data)
        duplicate = not _log_event(call, data)
        if created or _learn_numbers(call, data):
            matches = caller_matches(user=actor, call=call)
            _match_record(call, matches)
        if not duplicate:
            was_over = bool(call.ended_at or call.missed_at)
            _apply(call, data, agents)
            _sync_activity(call, actor)
            _sync_callback(call, actor)
            call.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE if created else AuditAction.UPDATE,
                record=call,
                changes={"event": [None, data.event], "outcome": [None, call.outcome]},
                parent=call.contact or call.organization,
            )
            if created:
                emit("call.started", call)
            if not was_over and (call.ended_at or call.missed_at):
                emit("call.ended", call)
            _announce(request=request, call=call, data=data, agents=agents)
    if matches is None:
        matches = caller_matches(user=actor, call=call)
    return CallEventResult(call=call, duplicate=duplicate, matches=matches)


# Unknown callers ------------------------------------------------------------------


def call_create_contact(*, actor: AbstractBaseUser, call: Call) -> Contact:
    """Make a contact of an unknown caller's number (a lead, nothing else known
    yet) and move the call, and earlier unknown calls from that number, onto
    its timeline. ``call`` as read by ``call_get`` for the actor."""
    if not call.is_unknown_caller:
        raise FieldErrors.single("call", "is already on a contact's timeline")
    if not call.number:
        raise FieldErrors.single("call", "the caller's number was withheld")
    if caller_is_restricted(user=actor, call=call):
        raise FieldErrors.single(
            "call", "the caller is a person whose processing is restricted (GDPR Art. 18)"
        )
    with transaction.atomic():
        contact = contact_create(
            actor=actor,
            data={
                "phones": [{"number": call.number}],
                "lifecycle_stage": LifecycleStage.LEAD,
            },
        )
        same_caller = Call.objects.filter(
            number=call.number, contact__isnull=True, organization__isnull=True
        ).select_related("agent", "activity", "callback_task", "integration__user")
        for unknown in same_caller:
            unknown.contact = contact
            _sync_activity(unknown, actor)
            _sync_callback(unknown, actor)
            unknown.save()
    return contact
