"""Building customer emails for the email-to-ticket tests."""

import email.utils
import itertools
from email.message import EmailMessage

import pytest

from kontor.service.models import ServiceAddress

SUPPORT = "support@kontor.example"
CUSTOMER = "s.koch@mueller.example"
_numbers = itertools.count(1)


def new_id() -> str:
    return f"<m{next(_numbers)}.customer@mueller.example>"


def mail(
    *,
    to: str = SUPPORT,
    cc: str = "",
    sender: str = f"Sabine Koch <{CUSTOMER}>",
    subject: str = "Drucker druckt nicht",
    text: str = "Seit heute früh kommt kein Blatt mehr heraus.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate()
    message["Message-ID"] = message_id or new_id()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = references or in_reply_to
    elif references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message.as_bytes()


@pytest.fixture
def support(team):
    return ServiceAddress.objects.create(address=SUPPORT, team=team)


@pytest.fixture(autouse=True)
def own_domain(settings):
    settings.KONTOR_OWN_EMAIL_DOMAINS = ["kontor.example"]
