"""Outlook messages (.msg), written during the test with aspose-email-foss,
shaped like what Outlook saves when an email is dragged out of it."""

import datetime

from aspose.email_foss import msg

from tests.mail.realworld.messages import ANNA, PDF, SENT_TO_ANNA

RECEIVED_HEADERS = (
    "Received: from mx.acme.example by mx.kontor.example; Mon, 2 Mar 2026 10:00:02 +0100\r\n"
    f"From: Anna Schmidt <{ANNA}>\r\n"
    "To: Rita Rep <rita@kontor.example>\r\n"
    "Subject: AW: Ihr Angebot 4711\r\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n"
    "Message-ID: <AM0PR01MB7777@acme.example>\r\n"
    f"In-Reply-To: {SENT_TO_ANNA}\r\n"
    f"References: {SENT_TO_ANNA}\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
)


def received_message(*, with_attachment: bool = True) -> bytes:
    """A received email saved from Outlook: its SMTP headers are inside."""
    message = msg.MapiMessage.create("AW: Ihr Angebot 4711", "Danke, wir nehmen das Angebot an.")
    message.set_property(msg.PropertyId.SENDER_NAME, "Anna Schmidt")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, ANNA)
    message.set_property(msg.PropertyId.INTERNET_MESSAGE_ID, "<AM0PR01MB7777@acme.example>")
    message.set_property(msg.PropertyId.TRANSPORT_MESSAGE_HEADERS, RECEIVED_HEADERS)
    message.set_property(
        msg.PropertyId.MESSAGE_DELIVERY_TIME,
        datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC),
    )
    message.add_recipient("rita@kontor.example", display_name="Rita Rep")
    if with_attachment:
        message.add_attachment("Auftrag.pdf", PDF, mime_type="application/pdf")
    return message.to_bytes()


def unsent_draft() -> bytes:
    """A message never sent by SMTP (a draft, or one from an Exchange
    colleague): no headers, only Outlook's own properties."""
    message = msg.MapiMessage.create("Entwurf: Rückfragen", "Liebe Anna,\nnoch zwei Fragen.")
    message.set_property(msg.PropertyId.SENDER_NAME, "Anna Schmidt")
    message.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, ANNA)
    message.set_property(
        msg.PropertyId.MESSAGE_DELIVERY_TIME,
        datetime.datetime(2026, 3, 3, 8, 30, tzinfo=datetime.UTC),
    )
    message.add_recipient("rita@kontor.example", display_name="Rita Rep")
    return message.to_bytes()


def with_embedded_message() -> bytes:
    """An email that carries another Outlook item (a forwarded email)."""
    inner = msg.MapiMessage.create("Termin nächste Woche", "Passt Dienstag?")
    inner.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, "carl@kunde.example")
    outer = msg.MapiMessage.create("WG: Termin nächste Woche", "Zur Info.")
    outer.set_property(msg.PropertyId.SENDER_NAME, "Anna Schmidt")
    outer.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, ANNA)
    outer.add_recipient("rita@kontor.example", display_name="Rita Rep")
    outer.add_embedded_message_attachment(inner, filename="Termin nächste Woche.msg")
    return outer.to_bytes()


def contact_card() -> bytes:
    """Not an email: an Outlook contact saved as .msg."""
    item = msg.MapiMessage.create("Anna Schmidt", "")
    item.message_class = "IPM.Contact"
    return item.to_bytes()
