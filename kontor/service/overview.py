"""The tickets section of the 360° view (kontor.activities.sections): a
customer's latest tickets, open ones first, in one query whatever the size
of the customer's history."""

import uuid
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kontor.activities.sections import OverviewSection, register_overview_section
from kontor.contacts.models import Contact, Organization
from kontor.service import selectors
from kontor.service.models import DONE_STATUSES

TICKETS = 10


def _latest(tickets) -> list:
    done_last = Case(
        When(status__in=DONE_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return list(tickets.order_by(done_last, "-created_at", "-id")[:TICKETS])


def for_contact(user: Any, contact: Contact) -> list:
    return _latest(selectors.visible_tickets(user).filter(contact=contact))


def for_organization(user: Any, organization: Organization, member_ids: list[uuid.UUID]) -> list:
    """The organization's tickets and those of the people who work there."""
    tickets = selectors.visible_tickets(user).filter(
        Q(organization=organization) | Q(contact_id__in=list(member_ids))
    )
    return _latest(tickets)


def tickets_json(request: HttpRequest, tickets: list) -> list[dict[str, Any]]:
    return [
        {
            "id": str(ticket.pk),
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee_id": ticket.assignee_id,
            "resolution_due_at": ticket.resolution_due_at,
            "breached": selectors.is_breached(ticket),
            "created_at": ticket.created_at,
            "url": request.build_absolute_uri(reverse("api:ticket_get", args=[ticket.pk])),
        }
        for ticket in tickets
    ]


def register_overview_sections() -> None:
    register_overview_section(
        OverviewSection(
            key="tickets",
            label=_("Tickets"),
            for_contact=for_contact,
            for_organization=for_organization,
            as_json=tickets_json,
            template="service/_overview_tickets.html",
            position=50,
        )
    )
