"""Writes of tickets and their conversations. The API, the pages and (later)
email-to-ticket and workflow rules call these functions; nothing else
writes these models. Each takes the acting user, checks the access policy,
validates every field before it touches a row, and writes the audit entry
and the outbox events in the same transaction."""

import datetime
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontor.access.policy import check_field_edits, may_use_level
from kontor.access.rights import Action
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, changes_between
from kontor.contacts.input import unknown_fields
from kontor.contacts.models import EmailAddress
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.outgoing_mail import queue_email
from kontor.core.versions import check_version, claim_version
from kontor.events.outbox import emit
from kontor.service import numbering, sla
from kontor.service.addresses import queue_address
from kontor.service.models import (
    DONE_STATUSES,
    Channel,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketMessage,
)
from kontor.service.selectors import may
from kontor.service.validation import Input
from kontor.sla.models import SlaPolicy

User = Any

TICKET_FIELDS = frozenset(
    {"subject", "description", "contact_id", "organization_id", "team_id", "assignee_id",
     "priority", "status", "category", "channel", "first_response_due_at", "resolution_due_at",
     "sla_policy_id"}
)  # fmt: skip
MAX_BULK = 500
MAX_BODY = 100_000
MAX_REFERENCES = 20


# Shared ------------------------------------------------------------------------------


def _require(actor: User, action: str, ticket: Ticket) -> None:
    if not may(actor, action, ticket):
        raise PermissionDenied(
            _("You may not %(action)s this %(type)s.")
            % {"action": Action(action).label, "type": _("ticket")}
        )


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    def when(value: datetime.datetime | None) -> str | None:
        return value.isoformat() if value else None

    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "description": ticket.description,
        "contact": str(ticket.contact_id) if ticket.contact_id else None,
        "organization": str(ticket.organization_id) if ticket.organization_id else None,
        "team": str(ticket.team_id) if ticket.team_id else None,
        "assignee": ticket.assignee_id,
        "priority": ticket.priority,
        "status": ticket.status,
        "category": ticket.category,
        "channel": ticket.channel,
        "sla_policy": str(ticket.sla_policy_id) if ticket.sla_policy_id else None,
        "first_response_due_at": when(ticket.first_response_due_at),
        "resolution_due_at": when(ticket.resolution_due_at),
        "first_responded_at": when(ticket.first_responded_at),
        "resolved_at": when(ticket.resolved_at),
        "breached": ticket.breached or None,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _audit(
    actor: User, action: str, ticket: Ticket, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """The audit entry and the outbox events of a change, in its transaction
    (a rolled-back change sends nothing): ``ticket.created``, ``updated`` or
    ``deleted``, and ``status_changed`` / ``assigned`` when those changed."""
    changes = changes_between(before, after)
    if action == AuditAction.UPDATE and not changes:
        return
    audit_record(
        actor=actor,
        action=action,
        record=ticket,
        changes=changes,
        parent=ticket.organization or ticket.contact,
    )
    names = {
        AuditAction.CREATE: ["created"],
        AuditAction.UPDATE: ["updated"],
        AuditAction.DELETE: ["deleted"],
    }[action]
    if action == AuditAction.UPDATE:
        if "status" in changes:
            names.append("status_changed")
        if "assignee" in changes:
            names.append("assigned")
    for name in names:
        emit(f"ticket.{name}", ticket)


def _moment(inp: Input, field: str, value: Any) -> None:
    if value is None:
        inp.values[field] = None
        return
    parsed = None
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or not 1900 <= parsed.year <= 2999:
        inp.error(field, "must be a date and time, e.g. 2026-12-24T17:00:00+01:00")
        return
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    inp.values[field] = parsed


def _ticket_input(actor: User, data: Mapping[str, Any], ticket: Ticket | None) -> Input:
    inp = Input(actor)
    if "subject" in data or ticket is None:
        inp.text("subject", data.get("subject"), limit=255, required=True)
    if "description" in data:
        inp.text("description", data["description"], limit=MAX_BODY)
    if "category" in data:
        inp.text("category", data["category"], limit=100)
    if data.get("priority") is not None:
        inp.choice("priority", data["priority"], Priority.values)
    if data.get("status") is not None:
        inp.choice("status", data["status"], Status.values)
    if data.get("channel") is not None:
        inp.choice("channel", data["channel"], Channel.values)
    if "contact_id" in data:
        contact = inp.contact(data["contact_id"])
        # A contact alone brings its organization along.
        if (
            contact is not None
            and "organization_id" not in data
            and inp.current("organization", ticket) is None
            and contact.organization_id
        ):
            inp.organization(contact.organization_id)
    if "organization_id" in data:
        inp.organization(data["organization_id"])
    if "team_id" in data:
        inp.team(data["team_id"])
    if "assignee_id" in data:
        inp.user("assignee_id", data["assignee_id"], "assignee")
    for field in ("first_response_due_at", "resolution_due_at"):
        if field in data:
            _moment(inp, field, data[field])
    if "sla_policy_id" in data:
        inp.record(
            "sla_policy_id", data["sla_policy_id"], SlaPolicy.objects.all(), "SLA policy",
            "sla_policy",
        )  # fmt: skip
    return inp


def _changed(ticket: Ticket, values: Mapping[str, Any]) -> dict[str, Any]:
    changed = {}
    for field, value in values.items():
        if Ticket._meta.get_field(field).is_relation:
            if getattr(ticket, f"{field}_id") != (value.pk if value is not None else None):
                changed[field] = value
        elif getattr(ticket, field) != value:
            changed[field] = value
    return changed


def _minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    return max(0, math.ceil((end - start).total_seconds() / 60))


def _set_status(ticket: Ticket, status: str, now: datetime.datetime) -> None:
    """Move the ticket to ``status`` and keep its clock: ``pending`` pauses
    it (waiting for the customer), leaving ``pending`` resumes it;
    ``resolved`` and ``closed`` stamp their time, reopening clears them."""
    previous = ticket.status
    if previous == status:
        return
    if previous == Status.PENDING and ticket.paused_since is not None:
        ticket.paused_minutes += _minutes(ticket.paused_since, now)
        _resume_clock(ticket, ticket.paused_since, now)
        ticket.paused_since = None
    if status == Status.PENDING:
        ticket.paused_since = now
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        ticket.closed_at = None
    elif status == Status.CLOSED:
        ticket.resolved_at = ticket.resolved_at or now
        ticket.closed_at = now
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    if (
        status in DONE_STATUSES
        and previous not in DONE_STATUSES
        and ticket.resolution_due_at is not None
        and ticket.resolved_at > ticket.resolution_due_at
    ):
        ticket.breached = True
    ticket.status = status


# The SLA clock -------------------------------------------------------------------------
#
# Due times are (re)computed in this section and nowhere else. With an SLA
# policy they come from its targets and business calendar (kontor.service.sla);
# without one they are given by hand (API, form) and a pause moves them later
# by its length.


def _resume_clock(ticket: Ticket, paused_since: datetime.datetime, now: datetime.datetime) -> None:
    """Leaving ``pending``: the due times not met yet move later, as the
    clock stood still meanwhile."""
    sla.record_pause(ticket, paused_since, now)
    if ticket.sla_policy_id is not None:
        ticket.paused_since = None
        sla.compute_due_times(ticket, now)
        return
    pause = now - paused_since
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        ticket.first_response_due_at += pause
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at += pause


# Tickets ------------------------------------------------------------------------------


def _apply_policy(ticket: Ticket, values: Mapping[str, Any], now: datetime.datetime) -> list[str]:
    """Due times from the ticket's policy, except those given in ``values``
    (by hand); the fields it changed."""
    before = (ticket.first_response_due_at, ticket.resolution_due_at)
    if not sla.compute_due_times(ticket, now):
        return []
    for field in ("first_response_due_at", "resolution_due_at"):
        if field in values:
            setattr(ticket, field, values[field])
    after = (ticket.first_response_due_at, ticket.resolution_due_at)
    return ["first_response_due_at", "resolution_due_at"] if before != after else []


def ticket_create(*, actor: User, data: Mapping[str, Any]) -> Ticket:
    """A ticket with the next number, status ``new`` unless another is
    given, assigned to whom ``assignee_id`` names (default: nobody), in the
    queue of ``team_id``. Its SLA policy: the one given, else the one for
    a tag of its organization, else the default (kontor.service.sla),
    whose targets give the due times."""
    unknown_fields(data, TICKET_FIELDS)
    if not may_use_level(actor, "ticket", Action.CREATE):
        raise PermissionDenied(_("You may not create records of this kind."))
    check_field_edits(actor, "ticket", data)
    inp = _ticket_input(actor, data, None)
    inp.raise_if_invalid()
    values = dict(inp.values)
    status = values.pop("status", Status.NEW)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            number=numbering.next_ticket_number(),
            created_by=actor if actor is not None and actor.is_authenticated else None,
            **values,
        )
        ticket.sla_policy = sla.choose_policy(ticket, values.get("sla_policy"))
        _set_status(ticket, status, now)
        ticket.save(force_insert=True)
        # The clock starts at the ticket's creation time, known once saved.
        if changed := _apply_policy(ticket, values, now):
            ticket.save(update_fields=changed)
        _audit(actor, AuditAction.CREATE, ticket, {}, _snapshot(ticket))
        sla.schedule_escalations(ticket, now)
    return ticket


def ticket_update(
    *,
    actor: User,
    ticket: Ticket,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Ticket:
    """Change the given fields. A new status keeps the clock (see
    ``_set_status``). With ``expected_version``, a ticket changed meanwhile
    raises VersionConflict. A change that changes nothing writes nothing."""
    _require(actor, Action.EDIT, ticket)
    unknown_fields(data, TICKET_FIELDS)
    check_field_edits(actor, "ticket", data)
    inp = _ticket_input(actor, data, ticket)
    inp.raise_if_invalid()
    values = _changed(ticket, inp.values)
    if not values:
        check_version(ticket, expected_version)
        return ticket
    before = _snapshot(ticket)
    now = timezone.now()
    status = values.pop("status", None)
    with transaction.atomic():
        claim_version(ticket, expected_version)
        for field, value in values.items():
            setattr(ticket, field, value)
        if status is not None:
            _set_status(ticket, status, now)
        if {"priority", "sla_policy"} & set(values):
            _apply_policy(ticket, values, now)
        ticket.save(update_fields=[*_CLOCK_FIELDS, *values, "updated_at"])
        after = _snapshot(ticket)
        _audit(actor, AuditAction.UPDATE, ticket, before, after)
        if _clock_moved(before, after):
            sla.schedule_escalations(ticket, now)
    return ticket


def _clock_moved(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether the escalation jobs need queueing again: other due times, or
    a clock running again (the jobs that found it stopped did nothing)."""
    fields = ("first_response_due_at", "resolution_due_at", "status", "sla_policy")
    return any(before.get(field) != after.get(field) for field in fields)


# What a change of status may write besides the status.
_CLOCK_FIELDS = (
    "status",
    "paused_since",
    "paused_minutes",
    "sla_pauses",
    "resolved_at",
    "closed_at",
    "breached",
    "first_response_due_at",
    "resolution_due_at",
)


def ticket_delete(*, actor: User, ticket: Ticket, expected_version: int | None = None) -> None:
    _require(actor, Action.DELETE, ticket)
    before = _snapshot(ticket)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(ticket, expected_version)
        _audit(actor, AuditAction.DELETE, ticket, before, {})
        ticket.delete()


def _bulk(
    actor: User, tickets: Iterable[Ticket], data: Mapping[str, Any]
) -> tuple[list[Ticket], list[Ticket]]:
    """Apply ``data`` to every ticket the actor may edit, in one
    transaction: all of them change or, on bad input, none. Returns the
    changed tickets and the ones the actor may not edit (left as they were)."""
    tickets = list(tickets)
    if len(tickets) > MAX_BULK:
        raise FieldErrors.single("ids", f"at most {MAX_BULK} tickets at once")
    changed, refused = [], []
    with transaction.atomic():
        for ticket in tickets:
            if not may(actor, Action.EDIT, ticket):
                refused.append(ticket)
                continue
            version = ticket.version
            ticket_update(actor=actor, ticket=ticket, data=data)
            if ticket.version != version:
                changed.append(ticket)
    return changed, refused


def ticket_assign(*, actor: User, ticket: Ticket, assignee: Any, team: Any = None) -> Ticket:
    """Give the ticket to ``assignee`` (a user, or None: nobody), and with
    ``team`` into that team's queue."""
    data: dict[str, Any] = {"assignee_id": getattr(assignee, "pk", assignee)}
    if team is not None:
        data["team_id"] = str(getattr(team, "pk", team))
    return ticket_update(actor=actor, ticket=ticket, data=data)


def tickets_assign(
    *, actor: User, tickets: Iterable[Ticket], assignee: Any
) -> tuple[list[Ticket], list[Ticket]]:
    """Assign many tickets at once (the queue's bulk action)."""
    return _bulk(actor, tickets, {"assignee_id": getattr(assignee, "pk", assignee)})


def ticket_close(*, actor: User, ticket: Ticket) -> Ticket:
    return ticket_update(actor=actor, ticket=ticket, data={"status": Status.CLOSED})


def tickets_close(*, actor: User, tickets: Iterable[Ticket]) -> tuple[list[Ticket], list[Ticket]]:
    """Close many tickets at once (the queue's bulk action)."""
    return _bulk(actor, tickets, {"status": Status.CLOSED})


# The conversation -------------------------------------------------------------------------


def _reply_address(ticket: Ticket) -> str | None:
    """Where a reply goes: who wrote the customer's last message, else the
    contact's (or the organization's) first address that takes email."""
    last = (
        ticket.messages.filter(kind=MessageKind.INBOUND)
        .exclude(sender="")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        return last.sender
    addresses = EmailAddress.objects.filter(bouncing=False, do_not_email=False)
    for owner in ("contact", "organization"):
        if getattr(ticket, f"{owner}_id") is not None:
            address = addresses.filter(**{owner: getattr(ticket, f"{owner}_id")}).first()
            if address is not None:
                return address.address
    return None


def _reply_threading(ticket: Ticket) -> dict[str, Any]:
    """Who a reply comes from (the queue's service address; none set up:
    the configured sender) and the mail it answers: the customer's last
    message, after the earlier ones of the conversation."""
    address = queue_address(ticket.team_id)
    ids = list(
        ticket.messages.exclude(message_id="")
        .order_by("-created_at", "-id")
        .values_list("kind", "message_id")[:MAX_REFERENCES]
    )
    last_inbound = next((mid for kind, mid in ids if kind == MessageKind.INBOUND), "")
    return {
        "from_address": address.address if address is not None else "",
        "in_reply_to": last_inbound,
        "references": [mid for _kind, mid in reversed(ids)] if last_inbound else [],
    }


def reply_subject(ticket: Ticket) -> str:
    return f"[{ticket.number}] {ticket.subject}"


def ticket_add_message(
    *,
    actor: User,
    ticket: Ticket,
    kind: Any,
    body: Any,
    sender: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    inbound_email_id: Any = None,
) -> TicketMessage:
    """Add to the conversation. A ``reply`` is emailed to the customer
    (subject ``[T-000123] subject``) through the outgoing email queue in
    this transaction; the first reply is the first response, and a new
    ticket becomes open. A ``note`` stays internal. An ``inbound`` message
    is what the customer wrote (``sender``, and the email's ``message_id``
    and ``in_reply_to``, and the received email it came as,
    ``inbound_email_id``); it reopens a resolved ticket. A reply goes out
    from the queue's service address and answers the customer's last
    message (In-Reply-To and References), so their answer threads back."""
    _require(actor, Action.EDIT, ticket)
    inp = Input(actor)
    inp.choice("kind", kind, MessageKind.values)
    inp.text("body", body, limit=MAX_BODY, required=True)
    inp.text("sender", sender, limit=320)
    inp.text("message_id", message_id, limit=998)
    inp.text("in_reply_to", in_reply_to, limit=998)
    inp.raise_if_invalid()
    kind = inp.values["kind"]
    to = None
    if kind == MessageKind.REPLY:
        to = _reply_address(ticket)
        if ticket.contact_id is None and ticket.organization_id is None:
            # The sent email is logged on the customer's timeline.
            raise FieldErrors.single(
                "kind",
                "the ticket has no contact or organization to log the emailed reply on; "
                "link one first, or add a note instead",
            )
        if to is None:
            raise FieldErrors.single(
                "kind",
                "the ticket's customer has no email address to reply to; add a note instead",
            )
    before = _snapshot(ticket)
    now = timezone.now()
    author = actor if kind != MessageKind.INBOUND and actor.is_authenticated else None
    with transaction.atomic():
        message = TicketMessage(
            ticket=ticket,
            kind=kind,
            body=inp.values["body"],
            author=author,
            sender=inp.values["sender"],
            message_id=inp.values["message_id"],
            in_reply_to=inp.values["in_reply_to"],
            inbound_email_id=inbound_email_id if kind == MessageKind.INBOUND else None,
        )
        if to is not None:
            queued = queue_email(
                **_reply_threading(ticket),
                actor=actor,
                to=[to],
                subject=reply_subject(ticket),
                text=message.body,
                contact=ticket.contact,
                organization=ticket.organization,
                links={"ticket_id": ticket.pk},
            )
            message.email_id = queued.pk
            message.message_id = queued.message_id or ""
        message.save(force_insert=True)
        claim_version(ticket, None)
        if kind == MessageKind.REPLY:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
                due = ticket.first_response_due_at
                if due is not None and now > due:
                    ticket.breached = True
            if ticket.status == Status.NEW:
                _set_status(ticket, Status.OPEN, now)
        elif kind == MessageKind.INBOUND and ticket.status in (Status.RESOLVED, Status.PENDING):
            _set_status(ticket, Status.OPEN, now)
        ticket.save(update_fields=[*_CLOCK_FIELDS, "first_responded_at", "updated_at"])
        after = _snapshot(ticket)
        _audit(actor, AuditAction.UPDATE, ticket, before, after)
        if _clock_moved(before, after):
            sla.schedule_escalations(ticket, now)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=message,
            changes={"kind": (None, kind), "ticket": (None, ticket.number)},
            object_type="ticket_message",
            object_repr=f"{ticket.number} {message.get_kind_display()}",
            parent=ticket,
        )
        emit("ticket.message_added", ticket)
    return message


# Data protection ----------------------------------------------------------------------------


ERASED_SUBJECT = "—"


def ticket_erase_person(*, actor: User, contact: Any) -> int:
    """Erase a person from the tickets about them (GDPR Art. 17): each
    keeps its number, status and times (the statistics), but loses its
    subject, description, conversation and the link to the person. Returns
    how many tickets were erased. Runs in the caller's transaction; the
    caller (data protection) has checked the request."""
    erased = 0
    with transaction.atomic():
        for ticket in Ticket.objects.filter(contact=contact).select_for_update():
            TicketMessage.objects.filter(ticket=ticket).delete()
            ticket.subject = ERASED_SUBJECT
            ticket.description = ""
            ticket.contact = None
            ticket.version += 1
            ticket.save(
                update_fields=["subject", "description", "contact", "version", "updated_at"]
            )
            audit_record(
                actor=actor,
                action=AuditAction.ERASE,
                record=ticket,
                fields=["subject", "description", "contact", "messages"],
            )
            emit("ticket.updated", ticket)
            erased += 1
    return erased
