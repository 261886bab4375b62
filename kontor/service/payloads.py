"""Tickets as a user may read them, outside a request
(``RecordType.serialize``): the ``data`` of the ``ticket.*`` webhook events,
rendered for the subscription's owner with the schema, field categories
and customer visibility of the API's answer."""

from typing import Any

from kontor.api.answers import render_answer
from kontor.core.offline_request import request_for
from kontor.service import selectors
from kontor.service.models import Ticket
from kontor.service.schemas import TicketOut
from kontor.service.visibility import note_visible_customers


def ticket_answer(record: Ticket, user: Any) -> dict[str, Any] | None:
    ticket = selectors.ticket_get(user=user, ticket_id=record.pk)
    if ticket is None:
        return None
    note_visible_customers(user, [ticket])
    return render_answer(TicketOut, ticket, request=request_for(user))
