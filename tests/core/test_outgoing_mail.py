"""The outgoing email port: a domain queues through it without knowing the
app that sends; nothing registered is a clear configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kontor.core import outgoing_mail


@pytest.fixture
def unregistered(monkeypatch):
    monkeypatch.setattr(outgoing_mail, "_registered", {})


def test_the_installed_queue_is_the_integration_apps_email_send():
    assert outgoing_mail._resolve("queue").__qualname__ == "email_send"
    assert outgoing_mail._resolve("reader").__qualname__ == "email_get"


def test_without_a_registered_queue_queueing_is_a_configuration_error(unregistered):
    with pytest.raises(ImproperlyConfigured, match="register_email_queue"):
        outgoing_mail.queue_email(actor=None, to=["a@b.example"], subject="S", text="T")
    with pytest.raises(ImproperlyConfigured):
        outgoing_mail.queued_email(user=None, email_id="x")


def test_a_registered_callable_receives_every_argument(unregistered):
    calls = []
    outgoing_mail.register_email_queue(
        lambda **kwargs: calls.append(kwargs) or "queued", reader=lambda **kwargs: kwargs
    )
    assert outgoing_mail.queue_email(actor="me", to=["a@b.example"], subject="S", text="T") == (
        "queued"
    )
    assert calls == [
        {"actor": "me", "to": ["a@b.example"], "subject": "S", "text": "T", "attachments": (),
         "contact": None, "organization": None, "links": None, "from_address": "",
         "in_reply_to": "", "references": ()}
    ]  # fmt: skip
    assert outgoing_mail.queued_email(user="me", email_id=1) == {"user": "me", "email_id": 1}
