"""Outgoing email: queued in the caller's transaction, sent by the worker
to a real SMTP server (aiosmtpd) in this test, retried when the server
fails, never sent as a second different message, and logged on the
customer's timeline so that the reply threads back."""

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from kontor.activities.models import Activity, Direction, Kind
from kontor.core.exceptions import FieldErrors
from kontor.integration.email import sending
from kontor.integration.email.services import email_send
from kontor.integration.models import EmailStatus, OutgoingEmail
from kontor.mail.services import message_ingest
from kontor.tasks.worker import run_until_empty
from tests.conftest import api_client_for
from tests.core.scratch import free_port
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "ACME Sales <sales@acme.example>"
    yield inbox
    controller.stop()


@pytest.fixture
def customer(user):
    return ContactFactory(owner=user, emails=["ada@customer.example"])


def test_an_email_reaches_the_smtp_server_and_the_timeline(user, customer, smtp):
    outgoing = email_send(
        actor=user,
        to=["Ada <ada@customer.example>"],
        cc=["boss@customer.example"],
        subject="Your quote",
        text="Please find the quote attached.",
        html="<p>Please find the quote attached.</p>",
        attachments=[("quote.pdf", b"%PDF-1.4 quote", "application/pdf")],
        contact=customer,
    )
    assert smtp.messages == []  # the worker sends it
    assert run_until_empty() == 1
    ((sender, recipients, raw),) = smtp.messages
    assert sender == "sales@acme.example"
    assert sorted(recipients) == ["ada@customer.example", "boss@customer.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Message-ID"] == outgoing.message_id
    assert message["Subject"] == "Your quote"
    assert [p.get_filename() for p in message.iter_attachments()] == ["quote.pdf"]
    outgoing.refresh_from_db()
    assert outgoing.status == EmailStatus.SENT and outgoing.sent_at
    activity = outgoing.activity
    assert activity.kind == Kind.EMAIL and activity.direction == Direction.OUTBOUND
    assert activity.message_id == outgoing.message_id and activity.contact_id == customer.pk
    assert activity.to_addresses == ["Ada <ada@customer.example>"]


def test_the_reply_threads_back_onto_the_email(user, customer, smtp):
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="Offer", text="Hi", contact=customer
    )
    run_until_empty()
    reply = (
        f"From: ada@customer.example\r\nTo: sales@acme.example\r\nSubject: Re: Offer\r\n"
        f"Message-ID: <reply-1@customer.example>\r\nIn-Reply-To: {outgoing.message_id}\r\n"
        f"References: {outgoing.message_id}\r\n\r\nYes, please.\r\n"
    ).encode()
    result = message_ingest(actor=user, raw=reply)
    assert result.activity.thread == Activity.objects.get(message_id=outgoing.message_id).thread
    assert result.activity.contact_id == customer.pk


def test_a_rolled_back_write_queues_no_email(user, customer, smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(actor=user, to=["ada@customer.example"], subject="S", text="T", contact=customer)
        raise RuntimeError("rolled back")
    assert run_until_empty() == 0
    assert smtp.messages == [] and not OutgoingEmail.objects.exists()


def test_a_server_that_fails_is_tried_again(user, customer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="S", text="T", contact=customer
    )
    run_until_empty()
    outgoing.refresh_from_db()
    assert outgoing.status == EmailStatus.QUEUED and outgoing.attempts == 1
    assert "Connection" in outgoing.error or "refused" in outgoing.error.lower()
    assert outgoing.activity is None


def test_a_retry_after_a_crash_sends_the_same_message_not_another(
    user, customer, smtp, monkeypatch
):
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="Once", text="T", contact=customer
    )
    real = sending._record_sent
    crashes = [RuntimeError("the worker died after the server took the message")]

    def crash_once(*args, **kwargs):
        if crashes:
            raise crashes.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "_record_sent", crash_once)
    with pytest.raises(RuntimeError):
        sending.deliver(outgoing.pk)
    sending.deliver(outgoing.pk)
    sending.deliver(outgoing.pk)  # sent: a third run sends nothing
    first, second = (raw for _sender, _rcpt, raw in smtp.messages)
    assert first == second, "the retry sent the very same message"
    assert Activity.objects.filter(message_id=outgoing.message_id).count() == 1


def test_without_smtp_the_email_is_written_to_a_file_and_says_so(
    user, customer, settings, tmp_path
):
    settings.EMAIL_BACKEND = sending.FILE_BACKEND
    settings.EMAIL_FILE_PATH = tmp_path / "sent-mail"
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="Local", text="T", contact=customer
    )
    run_until_empty()
    outgoing.refresh_from_db()
    assert outgoing.status == EmailStatus.WRITTEN and "KONTOR_SMTP_URL" in outgoing.error
    (written,) = (tmp_path / "sent-mail").iterdir()
    assert outgoing.message_id.encode() in written.read_bytes()


def test_the_api_sends_an_email_and_tells_how_it_went(user, customer, smtp):
    client = api_client_for(user)
    response = client.post(
        "/api/v1/emails",
        {"to": ["ada@customer.example"], "subject": "Hello", "text": "Hi Ada",
         "contact_id": str(customer.pk)},
    )  # fmt: skip
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    run_until_empty()
    answer = client.get(f"/api/v1/emails/{response.json()['id']}").json()
    assert answer["status"] == "sent" and answer["activity_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": ["not an address"], "subject": "S", "text": "T"}, "to"),
        ({"to": [], "subject": "S", "text": "T"}, "to"),
        ({"to": ["a@b.example"], "subject": "", "text": "T"}, "subject"),
        ({"to": ["a@b.example"], "subject": "S", "text": ""}, "text"),
    ],
)
def test_bad_emails_are_refused_naming_the_field(user, customer, body, field):
    response = api_client_for(user).post("/api/v1/emails", {**body, "contact_id": str(customer.pk)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][1] == field


def test_an_email_about_a_hidden_customer_is_refused(customer):
    stranger = UserFactory(roles=["sales"])
    response = api_client_for(stranger).post(
        "/api/v1/emails",
        {"to": ["ada@customer.example"], "subject": "S", "text": "T",
         "contact_id": str(customer.pk)},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "contact_id"]


def test_a_link_and_a_sender_reach_the_logged_activity(user, customer, smtp):
    from kontor.sales.services import deal_create

    deal = deal_create(actor=user, data={"title": "Rollout", "contact_id": customer.pk})
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="Offer", text="Hi", contact=customer,
        links={"deal_id": deal.pk}, from_address="Sales <offers@acme.example>",
    )  # fmt: skip
    run_until_empty()
    ((sender, _recipients, _raw),) = smtp.messages
    assert sender == "offers@acme.example"
    outgoing.refresh_from_db()
    assert outgoing.message_id.endswith("@acme.example>")
    assert (outgoing.activity.linked_type, outgoing.activity.linked_id) == ("deal", deal.pk)


def test_a_link_to_a_record_the_actor_may_not_read_is_refused(smtp):
    from kontor.sales.services import deal_create

    owner = UserFactory(roles=["sales"])
    hidden = deal_create(
        actor=owner, data={"title": "Secret", "contact_id": ContactFactory(owner=owner).pk}
    )
    rep = UserFactory(roles=["sales"])
    mine = ContactFactory(owner=rep, emails=["bob@customer.example"])
    with pytest.raises(FieldErrors) as refused:
        email_send(
            actor=rep, to=["bob@customer.example"], subject="S", text="T", contact=mine,
            links={"deal_id": hidden.pk},
        )  # fmt: skip
    assert list(refused.value.errors) == ["deal_id"]
    with pytest.raises(FieldErrors) as unknown:
        email_send(
            actor=rep, to=["bob@customer.example"], subject="S", text="T", contact=mine,
            links={"ticket_id": hidden.pk},
        )  # fmt: skip
    assert list(unknown.value.errors) == ["ticket_id"]
    assert not OutgoingEmail.objects.exists()


def test_an_email_with_an_attachment_needs_no_text(user, customer, smtp):
    outgoing = email_send(
        actor=user, to=["ada@customer.example"], subject="The file", text="", contact=customer,
        attachments=[("a.pdf", b"%PDF-1.4", "application/pdf")],
    )  # fmt: skip
    run_until_empty()
    outgoing.refresh_from_db()
    assert outgoing.status == EmailStatus.SENT
