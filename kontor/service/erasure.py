"""GDPR erasure in service (kontor.core.erasure): a ticket about the
person keeps its number, status and times for the statistics, and loses
its subject, description, conversation and the link to the person."""

from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.service.models import Ticket, TicketMessage
from kontor.service.services import ticket_erase_person


def erase_ticket_messages(erasure: Erasure) -> None:
    """The conversation on the person's tickets (before the tickets)."""
    messages = TicketMessage.objects.filter(ticket__contact=erasure.person)
    erasure.touched(TicketMessage, messages.values_list("pk", flat=True))
    erasure.removed(gettext_noop("ticket messages"), messages.delete()[0])


def erase_tickets(erasure: Erasure) -> None:
    tickets = list(Ticket.objects.filter(contact=erasure.person).values_list("pk", flat=True))
    if not tickets:
        return
    erasure.touched(Ticket, tickets)
    erasure.removed(
        gettext_noop("tickets"), ticket_erase_person(actor=erasure.actor, contact=erasure.person)
    )
