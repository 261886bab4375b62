"""Sending a quote: the PDF goes out by email (Django's email framework) and
the email is logged on the customer's history with its Message-ID."""

import io
import socket
import time
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from kontor.activities.models import Activity
from tests.factories import UserFactory


@pytest.fixture
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_sending_emails_the_pdf_and_logs_the_email_on_the_customer(
    api, locmem_mail, deal, product, contact
):
    from django.core import mail

    quote = api.post(
        "/api/v1/quotes",
        {"deal_id": str(deal.pk), "lines": [{"product_id": str(product.pk), "quantity": "4"}]},
    ).json()
    response = api.post(
        f"/api/v1/quotes/{quote['id']}/send",
        {"to": ["s.koch@mueller.example"], "message": "Guten Tag Frau Koch,\nanbei unser Angebot."},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["quote"]["status"] == "sent" and answer["quote"]["sent_at"]

    [message] = mail.outbox
    assert message.to == ["s.koch@mueller.example"]
    assert message.from_email == "sales@kontor.example"
    assert quote["number"] in message.subject
    assert message.extra_headers["Message-ID"] == answer["message_id"]
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == (f"{quote['number']}.pdf", "application/pdf")
    assert quote["number"] in PdfReader(io.BytesIO(content)).pages[0].extract_text()

    activity = Activity.objects.get(pk=answer["activity_id"])
    assert activity.kind == "email" and activity.direction == "outbound"
    assert activity.message_id == answer["message_id"]
    assert activity.contact_id == contact.pk
    assert activity.to_addresses == ["s.koch@mueller.example"]
    assert (activity.linked_type, activity.linked_id) == ("deal", deal.pk)
    assert "anbei unser Angebot" in activity.body


def test_bad_addresses_are_refused_and_nothing_is_sent(api, locmem_mail, deal):
    from django.core import mail

    quote = api.post("/api/v1/quotes", {"deal_id": str(deal.pk)}).json()
    response = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["no address"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "to", 0]
    assert api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": []}).status_code == 422
    assert mail.outbox == []
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["status"] == "draft"


def test_a_role_that_may_not_log_emails_on_the_customer_sends_nothing(
    locmem_mail, deal, organization
):
    from django.core import mail

    from kontor.sales import services
    from tests.conftest import api_client_for

    reader = UserFactory(username="reader", roles=["read-only"])
    quote = services.quote_create(actor=deal.owner, data={"deal_id": deal.pk})
    response = api_client_for(reader).post(
        f"/api/v1/quotes/{quote.pk}/send", {"to": ["a@example.com"]}
    )
    assert response.status_code == 403
    assert mail.outbox == []


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def test_a_real_smtp_server_receives_the_quote_with_its_pdf(api, smtp_server, deal, product):
    quote = api.post(
        "/api/v1/quotes",
        {"deal_id": str(deal.pk), "lines": [{"product_id": str(product.pk), "quantity": "1"}]},
    ).json()
    response = api.post(
        f"/api/v1/quotes/{quote['id']}/send", {"to": ["einkauf@mueller.example"], "message": "Hi"}
    )
    assert response.status_code == 200, response.content
    for _ in range(50):
        if smtp_server.messages:
            break
        time.sleep(0.1)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["einkauf@mueller.example"]
    message = message_from_bytes(envelope.content, policy=default)
    assert message["Message-ID"] == response.json()["message_id"]
    [pdf] = [part for part in message.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_a_mail_server_that_refuses_leaves_the_quote_a_draft(api, settings, deal):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 5
    quote = api.post("/api/v1/quotes", {"deal_id": str(deal.pk)}).json()
    response = api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": ["a@mueller.example"]})
    assert response.status_code == 502
    assert "mail server" in response.json()["detail"]
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["status"] == "draft"
    assert not Activity.objects.filter(kind="email").exists()
