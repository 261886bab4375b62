"""Sending a quote: the email with the PDF is queued through the outgoing
email queue in the request's transaction, the worker sends it through SMTP
(a real server, aiosmtpd, here), retries when the server fails, and logs the
email on the customer's history with its Message-ID, linked to the deal."""

import io
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from kontor.activities.models import Activity
from kontor.integration.email import sending
from kontor.integration.models import OutgoingEmail
from kontor.sales import services
from kontor.tasks.worker import run_until_empty
from tests.conftest import api_client_for
from tests.core.scratch import free_port
from tests.factories import UserFactory


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def refusing_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 5


def _quote(api, deal, product=None) -> dict:
    lines = [{"product_id": str(product.pk), "quantity": "4"}] if product else []
    response = api.post("/api/v1/quotes", {"deal_id": str(deal.pk), "lines": lines})
    assert response.status_code == 201, response.content
    return response.json()


def test_the_quote_is_queued_then_the_worker_emails_the_pdf_and_logs_it_on_the_deal(
    api, smtp_server, deal, product, contact
):
    quote = _quote(api, deal, product)
    response = api.post(
        f"/api/v1/quotes/{quote['id']}/send",
        {"to": ["s.koch@mueller.example"], "message": "Guten Tag Frau Koch,\nanbei unser Angebot."},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["quote"]["status"] == "sent" and answer["quote"]["sent_at"]
    assert answer["email_status"] == "queued" and answer["activity_id"] is None
    assert smtp_server.messages == []  # nothing is sent in the request

    assert run_until_empty() == 1
    [envelope] = smtp_server.messages
    assert envelope.mail_from == "sales@kontor.example"
    assert envelope.rcpt_tos == ["s.koch@mueller.example"]
    message = message_from_bytes(envelope.content, policy=default)
    assert quote["number"] in message["Subject"]
    assert message["Message-ID"] == answer["message_id"]
    assert "anbei unser Angebot" in message.get_body(("plain",)).get_content()
    [pdf] = list(message.iter_attachments())
    assert (pdf.get_filename(), pdf.get_content_type()) == (
        f"{quote['number']}.pdf",
        "application/pdf",
    )
    assert quote["number"] in PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()

    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["email_id"] == answer["email_id"]
    email = api.get(f"/api/v1/emails/{answer['email_id']}").json()
    assert email["status"] == "sent" and email["activity_id"]
    activity = Activity.objects.get(pk=email["activity_id"])
    assert activity.kind == "email" and activity.direction == "outbound"
    assert activity.message_id == answer["message_id"] == message["Message-ID"]
    assert activity.contact_id == contact.pk
    assert activity.to_addresses == ["s.koch@mueller.example"]
    assert (activity.linked_type, activity.linked_id) == ("deal", deal.pk)
    assert "anbei unser Angebot" in activity.body


def test_the_quote_page_shows_the_email_queued_then_sent(client, user, smtp_server, deal):
    quote = services.quote_create(actor=user, data={"deal_id": deal.pk})
    client.force_login(user)
    response = client.post(
        f"/sales/quotes/{quote.pk}/send/", {"to": "s.koch@mueller.example", "message": "Hallo"}
    )
    assert response.status_code == 302
    page = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert 'data-testid="quote-email"' in page and "queued" in page
    run_until_empty()
    page = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "delivered to the mail server" in page and "quote-email-failed" not in page


def _make_due() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_a_refusing_mail_server_is_retried_then_the_email_shows_failed(
    api, client, user, refusing_server, deal
):
    quote = _quote(api, deal)
    answer = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["a@mueller.example"]}).json()
    assert answer["quote"]["status"] == "sent"  # the queue has it; see quote_send

    assert run_until_empty() == 1
    email = api.get(f"/api/v1/emails/{answer['email_id']}").json()
    assert email["status"] == "queued" and email["attempts"] == 1 and email["error"]
    assert run_until_empty() == 0, "the retry waits for its backoff"
    client.force_login(user)
    assert "quote-email-retrying" in client.get(f"/sales/quotes/{quote['id']}/").content.decode()

    for _ in range(sending.MAX_ATTEMPTS - 1):
        _make_due()
        assert run_until_empty() == 1
    email = api.get(f"/api/v1/emails/{answer['email_id']}").json()
    assert email["status"] == "failed" and email["attempts"] == sending.MAX_ATTEMPTS
    assert email["activity_id"] is None
    _make_due()
    assert run_until_empty() == 0, "a failed email is not tried for ever"
    assert not Activity.objects.filter(kind="email").exists()

    page = client.get(f"/sales/quotes/{quote['id']}/").content.decode()
    assert 'data-testid="quote-email-failed"' in page
    assert 'action="/sales/quotes/' in page and "/send/" in page  # send it again


def test_a_failed_quote_email_can_be_sent_again(api, settings, refusing_server, deal):
    quote = _quote(api, deal)
    first = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["a@mueller.example"]}).json()
    OutgoingEmail.objects.filter(pk=first["email_id"]).update(status="failed")
    again = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["a@mueller.example"]})
    assert again.status_code == 200
    assert again.json()["email_id"] != first["email_id"]
    assert again.json()["email_status"] == "queued"


def test_a_rolled_back_send_queues_nothing(user, smtp_server, deal):
    quote = services.quote_create(actor=user, data={"deal_id": deal.pk})
    with pytest.raises(RuntimeError), transaction.atomic():
        services.quote_send(actor=user, quote=quote, to=["a@mueller.example"], message="Hi")
        raise RuntimeError("rolled back")
    assert not OutgoingEmail.objects.exists()
    assert run_until_empty() == 0 and smtp_server.messages == []
    quote.refresh_from_db()
    assert quote.status == "draft" and quote.email_id is None


def test_bad_addresses_are_refused_and_nothing_is_queued(api, smtp_server, deal):
    quote = _quote(api, deal)
    response = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["no address"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "to", 0]
    assert api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": []}).status_code == 422
    assert not OutgoingEmail.objects.exists()
    assert run_until_empty() == 0 and smtp_server.messages == []
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["status"] == "draft"


@pytest.mark.parametrize("role", ["read-only", "data-protection-officer"])
def test_a_role_that_may_not_log_emails_on_the_customer_queues_nothing(smtp_server, deal, role):
    # read-only may not edit the quote; the data protection officer may edit
    # it but may not create activities, so not log the email on the customer.
    quote = services.quote_create(actor=deal.owner, data={"deal_id": deal.pk})
    someone = UserFactory(username="someone", roles=[role])
    response = api_client_for(someone).post(
        f"/api/v1/quotes/{quote.pk}/send", {"to": ["a@example.com"]}
    )
    assert response.status_code == 403
    assert not OutgoingEmail.objects.exists()
    assert run_until_empty() == 0 and smtp_server.messages == []
    quote.refresh_from_db()
    assert quote.status == "draft"
