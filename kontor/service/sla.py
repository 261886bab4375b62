"""A ticket's service level: which policy it gets, its due times on the
policy's business calendar (kontor.sla.clock), and the escalations the
worker runs at the right moments.

- Policy: the one given, else the one for a tag of the ticket's
  organization (a customer tier), else the default policy; none: due times
  are given by hand.
- Due times: counted from the ticket's creation in the calendar's business
  hours, the clock stopped while the ticket was pending (its pauses). They
  are computed on creation, when the priority or the policy changes and
  when the ticket leaves pending (a pause extends them). A first response
  given keeps its due time.
- Escalation: a due time queues two jobs, at the warning moment (the
  policy's ``warning_share`` of the target) and at the due time itself.
  A job that finds the ticket changed (other due time, answered, resolved,
  pending) does nothing; the warning notifies the assignee and emits
  ``ticket.sla_warning``; the breach marks the ticket breached, notifies
  the lead of its team, gives it to the lead when the policy says so and
  emits ``ticket.sla_breach``. Each happens once per due time."""

import datetime
import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.versions import claim_version
from kontor.events.outbox import emit
from kontor.notifications.services import notify
from kontor.service.models import DONE_STATUSES, Status, Ticket
from kontor.sla.calendars import calendar_spec
from kontor.sla.clock import CalendarSpec, NoBusinessHours, due_at
from kontor.sla.models import SlaPolicy
from kontor.sla.selectors import policy_for
from kontor.tasks.services import enqueue

# The due-time fields and the policy's target of each.
DUE_FIELDS = {
    "first_response_due_at": "first_response_minutes",
    "resolution_due_at": "resolution_minutes",
}
WARNING, BREACH = "warning", "breach"
# What an escalation may write on the ticket.
ESCALATION_FIELDS = ["sla_escalations", "breached", "assignee", "updated_at"]


def choose_policy(ticket: Ticket, explicit: SlaPolicy | None = None) -> SlaPolicy | None:
    organization = ticket.organization
    if organization is None and ticket.contact is not None:
        organization = ticket.contact.organization
    tags = sorted(tag.name for tag in organization.tags.all()) if organization else []
    return policy_for(explicit=explicit, tags=tags)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def _pauses(ticket: Ticket, now: datetime.datetime) -> list[tuple[datetime.datetime, Any]]:
    pauses = [
        (datetime.datetime.fromisoformat(begin), datetime.datetime.fromisoformat(end))
        for begin, end in ticket.sla_pauses or []
    ]
    if ticket.paused_since is not None:
        # While pending, the due times are those of a pause ending now;
        # leaving pending computes them again.
        pauses.append((ticket.paused_since, max(now, ticket.paused_since)))
    return pauses


def record_pause(ticket: Ticket, begin: datetime.datetime, end: datetime.datetime) -> None:
    """A pause ended (the ticket left pending)."""
    ticket.sla_pauses = [*(ticket.sla_pauses or []), [_iso(begin), _iso(end)]]


def _spec(policy: SlaPolicy) -> CalendarSpec:
    return calendar_spec(policy.calendar)


def _due(spec: CalendarSpec, ticket: Ticket, minutes: int, now: datetime.datetime):
    try:
        return due_at(spec, ticket.created_at, minutes, _pauses(ticket, now))
    except NoBusinessHours:
        return None


def compute_due_times(ticket: Ticket, now: datetime.datetime) -> bool:
    """Set the ticket's due times from its policy; False (nothing changed)
    without a policy. Does not save."""
    policy = ticket.sla_policy
    if policy is None:
        return False
    spec = _spec(policy)
    for field, target in DUE_FIELDS.items():
        if field == "first_response_due_at" and ticket.first_responded_at is not None:
            continue
        minutes = policy.target(ticket.priority, target)
        setattr(ticket, field, None if minutes is None else _due(spec, ticket, minutes, now))
    return True


def _warning_moment(ticket: Ticket, field: str, now: datetime.datetime):
    policy = ticket.sla_policy
    minutes = policy.target(ticket.priority, DUE_FIELDS[field]) if policy else None
    if not minutes:
        return None
    share = math.floor(minutes * float(policy.warning_share))
    return _due(_spec(policy), ticket, max(1, share), now)


def _waiting(ticket: Ticket, field: str) -> bool:
    """Whether the ticket still waits for what ``field`` is the due time of."""
    if ticket.status in DONE_STATUSES or ticket.status == Status.PENDING:
        return False
    return not (field == "first_response_due_at" and ticket.first_responded_at is not None)


def schedule_escalations(ticket: Ticket, now: datetime.datetime | None = None) -> None:
    """Queue the warning and breach jobs of the ticket's due times. A job
    queued earlier for another due time finds it stale."""
    if ticket.sla_policy_id is None:
        return
    now = now or timezone.now()
    jobs = []
    for field in DUE_FIELDS:
        due = getattr(ticket, field)
        if due is None or not _waiting(ticket, field):
            continue
        warning = _warning_moment(ticket, field, now)
        if warning is not None and warning < due:
            jobs.append((field, WARNING, due, warning))
        jobs.append((field, BREACH, due, due))
    # The jobs are rows of the same database: queued in the ticket's
    # transaction, they vanish with it when it rolls back.
    for field, stage, due, moment in jobs:
        enqueue(
            check_sla,
            args=[str(ticket.pk), field, stage, _iso(due)],
            name=f"SLA {stage}",
            run_after=moment if moment > now else None,
            unique_key=f"sla:{ticket.pk}:{field}:{stage}:{_iso(due)}",
        )


@task()
def check_sla(ticket_id: str, field: str, stage: str, due: str) -> str:
    """The worker's job at a warning or breach moment."""
    return escalate(ticket_id=ticket_id, field=field, stage=stage, due=due, now=timezone.now())


def escalate(*, ticket_id: str, field: str, stage: str, due: str, now: datetime.datetime) -> str:
    """The worker's check at a warning or breach moment; says what it did
    (``warned``, ``breached``, or why not: ``gone``, ``stale``, ``done``,
    ``early``)."""
    if field not in DUE_FIELDS or stage not in (WARNING, BREACH):
        return "stale"
    with transaction.atomic():
        # Locked alone: PostgreSQL locks no row of an outer join (its
        # policy, team and assignee are read after).
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return "gone"
        if ticket.sla_policy is None:
            return "stale"
        current = getattr(ticket, field)
        if current is None or _iso(current) != due or not _waiting(ticket, field):
            return "stale"
        key = f"{field}:{stage}:{due}"
        if key in (ticket.sla_escalations or []):
            return "done"
        moment = current if stage == BREACH else _warning_moment(ticket, field, now)
        if moment is not None and now < moment:
            # Ran before its time (a clock that differs): try again then.
            _requeue(ticket_id, field, stage, due, moment)
            return "early"
        ticket.sla_escalations = [*(ticket.sla_escalations or []), key]
        what = _("first response") if field == "first_response_due_at" else _("resolution")
        changes: dict[str, Any] = {}
        if stage == WARNING:
            if ticket.assignee is not None:
                _notify(ticket, ticket.assignee, WARNING, what, current)
        else:
            lead = ticket.team.lead if ticket.team is not None else None
            if not ticket.breached:
                changes["breached"] = [None, True]
                ticket.breached = True
            if lead is not None:
                _notify(ticket, lead, BREACH, what, current)
                if ticket.sla_policy.reassign_on_breach and ticket.assignee_id != lead.pk:
                    changes["assignee"] = [ticket.assignee_id, lead.pk]
                    ticket.assignee = lead
        claim_version(ticket, None)
        ticket.save(update_fields=ESCALATION_FIELDS)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            record=ticket,
            changes={**changes, "sla": [None, f"{stage} ({field.removesuffix('_due_at')})"]},
            parent=ticket.organization or ticket.contact,
        )
        emit(f"ticket.sla_{stage}", ticket)
        if "assignee" in changes:
            emit("ticket.assigned", ticket)
        return "warned" if stage == WARNING else "breached"


def _requeue(ticket_id: str, field: str, stage: str, due: str, moment: datetime.datetime) -> None:
    enqueue(
        check_sla,
        args=[ticket_id, field, stage, due],
        name=f"SLA {stage}",
        run_after=moment,
    )


def _notify(ticket: Ticket, user: Any, stage: str, what: str, due: datetime.datetime) -> None:
    when = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if stage == WARNING:
        message = _("%(number)s %(subject)s: the %(what)s is due at %(when)s.")
    else:
        message = _("%(number)s %(subject)s: the %(what)s was due at %(when)s (breached).")
    notify(
        recipient=user,
        message=message
        % {"number": ticket.number, "subject": ticket.subject, "what": what, "when": when},
        link=ticket.get_absolute_url(),
    )
