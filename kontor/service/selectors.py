"""Reads of tickets. Every list, page and answer starts from
``visible_tickets``, which applies the access policy (kontor.access) and
adds the queue: a user whose level for tickets is ``team`` also sees the
tickets in the queues of their teams."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from kontor.access.grants import access_for
from kontor.access.policy import can, is_hidden_by_restriction, restrict, unrestricted
from kontor.access.rights import Action, Level
from kontor.core.ids import parse_uuid
from kontor.service.models import DONE_STATUSES, Ticket, TicketMessage

User = AbstractBaseUser | AnonymousUser

# A due time this close (or closer) is "due soon" on the queues.
DUE_SOON = datetime.timedelta(hours=4)


def _queue_q(user: Any, action: str) -> Q | None:
    """The tickets in the user's teams' queues, if their level reaches them."""
    access = access_for(user)
    if access.user_id is None or access.level("ticket", action) < Level.TEAM:
        return None
    team_ids = access.team_ids
    return Q(team_id__in=team_ids) if team_ids else None


def visible_tickets(user: User) -> QuerySet[Ticket]:
    tickets = restrict(Ticket.objects.all(), user, "ticket")
    queue = _queue_q(user, Action.READ)
    if queue is not None and access_for(user).level("ticket", Action.READ) < Level.ALL:
        # The queue's tickets too, but not those the restriction of a
        # person's processing hides (kontor.access).
        tickets = tickets | unrestricted(Ticket.objects.filter(queue), user, "ticket")
    return tickets


def may(user: Any, action: str, ticket: Ticket) -> bool:
    """May ``user`` ``action`` (read, edit, delete) this ticket: by the
    policy, or as a member of the team whose queue holds it."""
    if can(user, action, ticket):
        return True
    if is_hidden_by_restriction(user, ticket):
        return False
    queue = _queue_q(user, action)
    return queue is not None and ticket.team_id in access_for(user).team_ids


def with_ticket_details(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("contact", "organization", "team", "assignee", "sla_policy")


def ticket_get(*, user: User, ticket_id: Any) -> Ticket | None:
    pk = parse_uuid(ticket_id) if not isinstance(ticket_id, Ticket) else ticket_id.pk
    if pk is None:
        return None
    return with_ticket_details(visible_tickets(user)).filter(pk=pk).first()


def open_q() -> Q:
    return ~Q(status__in=DONE_STATUSES)


def breached_q(now: datetime.datetime | None = None) -> Q:
    """Breached: marked so, or still open past a due time it has not met."""
    now = now or timezone.now()
    return Q(breached=True) | (
        open_q()
        & (
            Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
            | Q(resolution_due_at__lt=now)
        )
    )


def due_soon_q(now: datetime.datetime | None = None) -> Q:
    """Open, not breached, and a due time within DUE_SOON."""
    now = now or timezone.now()
    soon = now + DUE_SOON
    return (
        open_q()
        & ~breached_q(now)
        & (
            Q(first_responded_at__isnull=True, first_response_due_at__lte=soon)
            | Q(resolution_due_at__lte=soon)
        )
    )


def is_breached(ticket: Ticket, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if ticket.breached:
        return True
    if ticket.is_done:
        return False
    first_due = ticket.first_response_due_at
    if ticket.first_responded_at is None and first_due is not None and first_due < now:
        return True
    return ticket.resolution_due_at is not None and ticket.resolution_due_at < now


def next_due_at(ticket: Ticket) -> datetime.datetime | None:
    """The due time the ticket is waiting for: the first response until it
    was given, then the resolution; None when done."""
    if ticket.is_done:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        return ticket.first_response_due_at
    return ticket.resolution_due_at


def due_state(ticket: Ticket, now: datetime.datetime | None = None) -> str:
    """``breached``, ``soon`` or "" — the colour a page gives the due time."""
    now = now or timezone.now()
    if is_breached(ticket, now):
        return "breached"
    due = next_due_at(ticket)
    if due is not None and due <= now + DUE_SOON:
        return "soon"
    return ""


@dataclass(frozen=True)
class TicketFilters:
    status: str | None = None
    priority: str | None = None
    channel: str | None = None
    team_id: Any = None
    assignee_id: int | None = None
    unassigned: bool = False
    contact_id: Any = None
    organization_id: Any = None
    breached: bool | None = None
    due_soon: bool = False
    open_only: bool = False
    done_only: bool = False
    q: str = ""


def ticket_list(*, user: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    filters = filters or TicketFilters()
    tickets = with_ticket_details(visible_tickets(user))
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.open_only:
        tickets = tickets.filter(open_q())
    if filters.done_only:
        tickets = tickets.exclude(open_q())
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.team_id is not None:
        tickets = tickets.filter(team_id=filters.team_id)
    if filters.assignee_id is not None:
        tickets = tickets.filter(assignee_id=filters.assignee_id)
    if filters.unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    if filters.contact_id is not None:
        tickets = tickets.filter(contact_id=filters.contact_id)
    if filters.organization_id is not None:
        tickets = tickets.filter(organization_id=filters.organization_id)
    if filters.breached is True:
        tickets = tickets.filter(breached_q())
    elif filters.breached is False:
        tickets = tickets.exclude(breached_q())
    if filters.due_soon:
        tickets = tickets.filter(due_soon_q())
    if q := filters.q.replace("\x00", "").strip():
        tickets = tickets.filter(Q(subject__icontains=q) | Q(number__iexact=q))
    return tickets.order_by("-created_at", "-id")


def ticket_messages(*, user: User, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The conversation of a ticket the user may read (the caller read the
    ticket through ``ticket_get``)."""
    return TicketMessage.objects.filter(ticket=ticket).select_related("author")


def customer_tickets(*, user: User, contact: Any = None, organization: Any = None):
    """A customer's tickets for the 360° view, open ones first."""
    tickets = with_ticket_details(visible_tickets(user))
    if contact is not None:
        tickets = tickets.filter(contact=contact)
    else:
        tickets = tickets.filter(organization=organization)
    return tickets.order_by("-created_at", "-id")
