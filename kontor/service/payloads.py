"""Tickets as a user may read them, outside a request
(``RecordType.serialize``): the ``data`` of the ``ticket.*`` webhook events,
rendered for the subscription's owner with the schema, field categories
and customer visibility of the API's answer."""

from typing import Any

from kontor.api.answers import render_answer
from kontor.contacts.visibility import note_visible_customers
from kontor.core.offline_request import request_for
from kontor.service import selectors
from kontor.service.models import Ticket, TicketMessage
from kontor.service.schemas import TicketOut


def ticket_answer(record: Ticket, user: Any) -> dict[str, Any] | None:
    ticket = selectors.ticket_get(user=user, ticket_id=record.pk)
    if ticket is None:
        return None
    note_visible_customers(user, [ticket])
    return render_answer(TicketOut, ticket, request=request_for(user))


def message_answer(record: TicketMessage, user: Any) -> dict[str, Any] | None:
    """A message of a ticket's conversation, if ``user`` may read the ticket
    (a person's access export: what they wrote and what they were told)."""
    ticket = selectors.ticket_get(user=user, ticket_id=record.ticket_id)
    if ticket is None:
        return None
    return {
        "id": record.pk,
        "ticket_id": str(ticket.pk),
        "ticket_number": ticket.number,
        "kind": record.kind,
        "body": record.body,
        "sender": record.sender,
        "author_id": record.author_id,
        "created_at": record.created_at.isoformat(),
    }
