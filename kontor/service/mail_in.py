"""Email to ticket: the router email capture hands every received message
to (kontor.core.inbound_mail, registered in ``ServiceConfig.ready``).

- A message that names a ticket (``[T-000123]`` in the subject, from one
  of the ticket's people) or threads onto one (``In-Reply-To`` /
  ``References`` naming a message of its conversation, the customer's or an
  agent's emailed reply) joins that ticket as a customer message; a
  resolved or pending ticket opens again.
- Otherwise a message with a service address in To, Cc or Delivered-To
  opens a ticket in that address's queue, about the customer email capture
  matched or made, with the message as its first customer message.
- What a machine sent (auto-replies, bulk and list mail, bounces and other
  reports) never opens a ticket and never reopens one: when it threads onto
  a ticket it is kept there as an internal note (a bounce of an agent's
  reply, an out-of-office answer). Kontor sends no automatic answer to any
  received message, so two auto-responders cannot loop through it.
- The same message twice (another delivery, another path) joins once."""

import re
from typing import Any

from django.db.models import Q

from kontor.access.rights import Action
from kontor.contacts.models import EmailAddress
from kontor.core.inbound_mail import InboundEmail
from kontor.service import services
from kontor.service.addresses import addresses_among, is_service_address
from kontor.service.models import (
    Channel,
    MessageKind,
    ServiceAddress,
    Status,
    Ticket,
    TicketMessage,
)
from kontor.service.selectors import may

NUMBER_IN_SUBJECT = re.compile(r"\[\s*(T-\d{6,12})\s*\]", re.IGNORECASE)
MAX_SUBJECT = 255
NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"


def route(*, actor: Any, email: InboundEmail) -> dict[str, Any]:
    """What became of ``email``: ``{"ticket_id": …}`` when it opened or
    joined a ticket the actor may see, else ``{}``."""
    if email.duplicate:
        earlier = _earlier(email)
        return _answer(actor, earlier.ticket) if earlier is not None else {}
    earlier = _earlier(email)
    if earlier is not None:
        return _answer(actor, earlier.ticket)
    if is_service_address(email.sender):
        return {}  # our own mail, e.g. a reply sent to a second queue: no loop
    ticket = _ticket_of(email)
    addresses = [] if email.outgoing else addresses_among(email.recipients)
    if ticket is not None and not (ticket.status == Status.CLOSED and addresses):
        return _join(actor, email, ticket)
    if not addresses or email.automatic:
        return {}
    return _open(actor, email, addresses[0], follows=ticket)


def _earlier(email: InboundEmail) -> TicketMessage | None:
    """The ticket message this email already became: the same stored
    message, or one received before with the same Message-ID."""
    found = Q(inbound_email_id=email.id)
    if email.message_id:
        found |= Q(message_id=email.message_id, kind__in=[MessageKind.INBOUND, MessageKind.NOTE])
    return TicketMessage.objects.select_related("ticket").filter(found).first()


def _ticket_of(email: InboundEmail) -> Ticket | None:
    """The ticket the email names in its subject, else the one it threads onto."""
    for number in NUMBER_IN_SUBJECT.findall(email.subject):
        ticket = Ticket.objects.filter(number=number.upper()).first()
        if ticket is not None and _knows(ticket, email.sender):
            return ticket
    referenced = [m for m in [email.report_about, *email.in_reply_to, *email.references] if m]
    if not referenced:
        return None
    message = (
        TicketMessage.objects.select_related("ticket")
        .filter(message_id__in=referenced)
        .order_by("-created_at", "-id")
        .first()
    )
    return message.ticket if message is not None else None


def _knows(ticket: Ticket, sender: str) -> bool:
    """Is ``sender`` one of the ticket's people: who wrote on it before, or
    an address of its contact or organization? Numbers are easy to guess: a
    stranger who writes one in a subject must not join the conversation (and
    receive its next reply)."""
    if not sender:
        return False
    if ticket.messages.filter(kind=MessageKind.INBOUND, sender=sender).exists():
        return True
    owners = Q()
    if ticket.contact_id is not None:
        owners |= Q(contact_id=ticket.contact_id)
    if ticket.organization_id is not None:
        owners |= Q(organization_id=ticket.organization_id)
    return bool(owners) and EmailAddress.objects.filter(owners, normalized=sender).exists()


def _body(email: InboundEmail) -> str:
    text = email.text.strip() or email.subject.strip() or NO_TEXT
    return text[: services.MAX_BODY]


def _join(actor: Any, email: InboundEmail, ticket: Ticket) -> dict[str, Any]:
    if email.automatic:
        # Kept for the agents to see, without reopening the ticket or
        # becoming the address the next reply goes to.
        heading = f"{email.automatic} — {email.sender or '?'}: {email.subject}".strip()
        message = services.ticket_add_message(
            actor=actor,
            ticket=ticket,
            kind=MessageKind.NOTE,
            body=f"{heading}\n\n{_body(email)}"[: services.MAX_BODY],
            message_id=email.message_id[:998],
        )
        TicketMessage.objects.filter(pk=message.pk).update(inbound_email_id=email.id)
    else:
        message = services.ticket_add_message(
            actor=actor,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            body=_body(email),
            sender=email.sender[:320],
            message_id=email.message_id[:998],
            in_reply_to=(email.in_reply_to[0] if email.in_reply_to else "")[:998],
            inbound_email_id=email.id,
        )
    return _answer(actor, ticket)


def _open(
    actor: Any, email: InboundEmail, address: ServiceAddress, follows: Ticket | None
) -> dict[str, Any]:
    description = _body(email)
    if follows is not None:
        description = f"↩ {follows.number}\n\n{description}"[: services.MAX_BODY]
    data: dict[str, Any] = {
        "subject": " ".join(email.subject.split())[:MAX_SUBJECT] or NO_SUBJECT,
        "description": description,
        "team_id": address.team_id,
        "channel": Channel.EMAIL,
    }
    if address.sla_policy_id is not None:
        data["sla_policy_id"] = str(address.sla_policy_id)
    if email.contact_id is not None:
        data["contact_id"] = email.contact_id
    if email.organization_id is not None:
        data["organization_id"] = email.organization_id
    ticket = services.ticket_create(actor=actor, data=data)
    services.ticket_add_message(
        actor=actor,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        body=_body(email),
        sender=email.sender[:320],
        message_id=email.message_id[:998],
        in_reply_to=(email.in_reply_to[0] if email.in_reply_to else "")[:998],
        inbound_email_id=email.id,
    )
    return _answer(actor, ticket)


def _answer(actor: Any, ticket: Ticket) -> dict[str, Any]:
    return {"ticket_id": ticket.pk} if may(actor, Action.READ, ticket) else {}
