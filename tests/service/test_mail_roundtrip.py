"""Email to ticket through real mail servers started by the test: an IMAP
server (pymap, as in tests/mail) holds the service mailbox, an SMTP server
(aiosmtpd, as in tests/integration) takes the agent's reply. Customer mail
→ ticket → the agent's reply by email → the customer's answer fetched by
IMAP → the same ticket."""

import email
import email.policy

import pytest
from django.core.management import call_command

from kontor.activities.models import Activity, Direction, Kind
from kontor.mail.models import Mailbox, Security
from kontor.mail.services import mailbox_set_password
from kontor.service.models import MessageKind, Status, Ticket
from kontor.tasks.worker import run_until_empty
from tests.integration.test_email import smtp
from tests.mail.test_fetchmail import PASSWORD, USER, imap_server, server
from tests.service.mail_helpers import CUSTOMER, SUPPORT, mail, own_domain, support

__all__ = ["imap_server", "own_domain", "server", "smtp", "support"]  # fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_mailbox(server, user, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # trust the test server
    box = Mailbox(
        name="Kundendienst",
        email_address=SUPPORT,
        host="127.0.0.1",
        port=server.port,
        security=Security.STARTTLS,
        username=USER,
        owner=user,
    )
    mailbox_set_password(mailbox=box, password=PASSWORD)
    box.save()
    return box


def fetchmail() -> None:
    from io import StringIO

    call_command("fetchmail", stdout=StringIO(), stderr=StringIO())


def test_customer_mail_reply_and_answer_stay_on_one_ticket(
    server, service_mailbox, smtp, support, contact, team, api
):
    # The customer writes to the service address.
    server.deliver(mail(message_id="<printer@mueller.example>"))
    fetchmail()

    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.team, ticket.contact, ticket.channel) == (
        "T-000001",
        team,
        contact,
        "email",
    )

    # An agent answers; the worker sends the reply through the SMTP server.
    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages",
        {"kind": "reply", "body": "Bitte starten Sie den Drucker neu."},
    )
    assert response.status_code == 201, response.content
    run_until_empty()
    ((envelope_from, recipients, raw),) = smtp.messages
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert envelope_from == SUPPORT and recipients == [CUSTOMER]
    assert sent["Subject"] == "[T-000001] Drucker druckt nicht"
    assert sent["From"] == SUPPORT
    assert sent["In-Reply-To"] == "<printer@mueller.example>"
    assert sent["Auto-Submitted"] is None  # a person's answer
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.message_id == sent["Message-ID"]
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    api.patch(f"/api/v1/tickets/{ticket.pk}", {"status": "resolved"})

    # The customer answers the email; it arrives in the service mailbox.
    server.deliver(
        mail(
            subject=f"Re: {sent['Subject']}",
            text="Hat leider nicht geholfen.",
            in_reply_to=sent["Message-ID"],
            references=f"<printer@mueller.example> {sent['Message-ID']}",
        )
    )
    fetchmail()

    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # reopened
    assert [m.kind for m in ticket.messages.all()] == ["inbound", "reply", "inbound"]
    assert ticket.messages.last().body.startswith("Hat leider nicht geholfen.")
    # On the customer's timeline the three emails form one thread.
    emails = Activity.objects.filter(kind=Kind.EMAIL, contact=contact).order_by("created_at")
    assert [e.direction for e in emails] == [
        Direction.INBOUND,
        Direction.OUTBOUND,
        Direction.INBOUND,
    ]
    assert len({e.thread for e in emails}) == 1

    # Fetching again changes nothing.
    fetchmail()
    assert ticket.messages.count() == 3


def test_an_auto_reply_to_the_agents_answer_gets_no_answer(
    server, service_mailbox, smtp, support, contact, api
):
    server.deliver(mail(message_id="<printer2@mueller.example>"))
    fetchmail()
    ticket = Ticket.objects.get()
    api.post(f"/api/v1/tickets/{ticket.pk}/messages", {"kind": "reply", "body": "Neustart?"})
    run_until_empty()
    ((_from, _to, raw),) = smtp.messages
    sent = email.message_from_bytes(raw, policy=email.policy.default)

    server.deliver(
        mail(
            subject=f"Automatische Antwort: {sent['Subject']}",
            text="Ich bin bis Montag nicht im Büro.",
            in_reply_to=sent["Message-ID"],
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    fetchmail()
    run_until_empty()

    assert len(smtp.messages) == 1  # nothing went out in answer
    assert Ticket.objects.count() == 1
    assert ticket.messages.last().kind == MessageKind.NOTE
