"""Tricky messages, built by the tests themselves with the email package (or
byte by byte where the package would refuse to write something so broken)."""

import base64
import datetime
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

SENT = datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC)


def plain(
    *,
    sender: str = "Anna Schmidt <anna@acme.example>",
    to: str = "Rita Rep <rita@kontor.example>",
    subject: str = "Angebot",
    body: str = "Hallo Rita,\nbitte schicken Sie uns das Angebot.\n",
    message_id: str | None = "<m1@acme.example>",
    date: datetime.datetime | None = SENT,
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if date:
        msg["Date"] = format_datetime(date)
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def alternative() -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@acme.example"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Zwei Fassungen"
    msg["Message-ID"] = "<alt@acme.example>"
    msg["Date"] = format_datetime(SENT)
    msg.set_content("Die Textfassung.")
    msg.add_alternative("<html><body><p>Die <b>HTML</b>-Fassung.</p></body></html>", subtype="html")
    return msg.as_bytes()


def html_only() -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@acme.example"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Nur HTML"
    msg["Message-ID"] = "<html@acme.example>"
    msg["Date"] = format_datetime(SENT)
    msg.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Erste Zeile</p>"
        "<p>Zweite &amp; letzte</p><script>alert(1)</script></body></html>",
        subtype="html",
    )
    return msg.as_bytes()


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def nested_with_inline_image_and_attachment() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Schmidt <anna@acme.example>"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Angebot mit Logo"
    msg["Message-ID"] = "<nested@acme.example>"
    msg["Date"] = format_datetime(SENT)
    msg.set_content("Anbei das Angebot.")
    msg.add_alternative('<p>Anbei das Angebot.</p><img src="cid:logo@acme">', subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(PNG, "image", "png", cid="<logo@acme>", filename="logo.png")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="Angebot 2026.pdf")
    return msg.as_bytes()


def iso_8859_1() -> bytes:
    msg = MIMEText("Grüße aus Köln, Jürgen", "plain", "iso-8859-1")
    msg["From"] = "juergen@acme.example"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Latin-1"
    msg["Message-ID"] = "<latin1@acme.example>"
    msg["Date"] = format_datetime(SENT)
    return msg.as_bytes()


def windows_1252(declared: str = "windows-1252") -> bytes:
    body = "Preis: 100 € – „günstig“".encode("cp1252")
    return (
        b"From: anna@acme.example\r\nTo: rita@kontor.example\r\nSubject: cp1252\r\n"
        b"Message-ID: <cp1252-" + declared.encode() + b"@acme.example>\r\n"
        b"Date: Mon, 02 Mar 2026 09:15:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + declared.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )


def rfc2047_headers() -> bytes:
    return (
        b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <juergen@acme.example>\r\n"
        b"To: =?utf-8?b?UmVuw6kgUmVw?= <rita@kontor.example>\r\n"
        b"Subject: =?utf-8?q?Angebot_f=C3=BCr_M=C3=BCller_=E2=82=AC?=\r\n"
        b"Message-ID: <rfc2047@acme.example>\r\nDate: Mon, 02 Mar 2026 09:15:00 +0000\r\n"
        b"\r\nText.\r\n"
    )


def calendar_invitation() -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@acme.example"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Einladung: Termin"
    msg["Message-ID"] = "<invite@acme.example>"
    msg["Date"] = format_datetime(SENT)
    msg.set_content("Sie sind eingeladen.")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        "UID:1@acme\r\nDTSTART:20260310T090000Z\r\nSUMMARY:Termin\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    msg.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
    return msg.as_bytes()


def undecodable_charset() -> bytes:
    return (
        b"From: anna@acme.example\r\nTo: rita@kontor.example\r\nSubject: Zeichensatz\r\n"
        b"Message-ID: <charset@acme.example>\r\nDate: Mon, 02 Mar 2026 09:15:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nK\xf6ln \xe4\xf6\xfc\r\n"
    )


def eight_bit_headers() -> bytes:
    return (
        "From: Jürgen Müller <juergen@acme.example>\r\n".encode()
        + b"To: rita@kontor.example\r\n"
        + "Subject: Grüße aus Köln\r\n".encode()
        + b"X-Legacy: caf\xe9\r\n"
        + b"Message-ID: <8bit@acme.example>\r\n"
        + b"Date: Mon, 02 Mar 2026 09:15:00 +0000\r\n\r\nText\r\n"
    )


def latin1_eight_bit_subject() -> bytes:
    return (
        b"From: anna@acme.example\r\nTo: rita@kontor.example\r\nSubject: Gr\xfc\xdfe\r\n"
        b"Message-ID: <8bit-latin1@acme.example>\r\n"
        b"Date: Mon, 02 Mar 2026 09:15:00 +0000\r\n\r\nText\r\n"
    )


def missing_headers() -> bytes:
    return b"Subject: Nur ein Betreff\r\n\r\nKein Absender, kein Datum, keine ID.\r\n"


def no_headers_at_all() -> bytes:
    return b"Hallo, dies ist keine E-Mail im eigentlichen Sinne.\r\n"


def multipart_without_boundary() -> bytes:
    return (
        b"From: anna@acme.example\r\nTo: rita@kontor.example\r\nSubject: Kaputt\r\n"
        b"Message-ID: <noboundary@acme.example>\r\nDate: Mon, 02 Mar 2026 09:15:00 +0000\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nDer eigentliche Text.\r\n"
    )


def unterminated_multipart() -> bytes:
    return (
        b"From: anna@acme.example\r\nTo: rita@kontor.example\r\nSubject: Abgeschnitten\r\n"
        b"Message-ID: <cut@acme.example>\r\nDate: Mon, 02 Mar 2026 09:15:00 +0000\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        b"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nErster Teil.\r\n"
        b"--XYZ\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLj###not base64\r\n"
    )


def garbage_date() -> bytes:
    return plain(message_id="<date@acme.example>", date=None, Date_="sometime next week")


def with_attachment(size: int, message_id: str = "<big@acme.example>") -> bytes:
    msg = MIMEMultipart()
    msg["From"] = "anna@acme.example"
    msg["To"] = "rita@kontor.example"
    msg["Subject"] = "Große Datei"
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(SENT)
    msg.attach(MIMEText("Anbei die Zeichnungen.", "plain", "utf-8"))
    part = MIMEApplication(b"\x89" + b"A" * (size - 1), Name="zeichnungen.bin")
    part["Content-Disposition"] = 'attachment; filename="zeichnungen.bin"'
    msg.attach(part)
    return msg.as_bytes()


def reply(
    *,
    message_id: str,
    in_reply_to: str,
    references: str,
    body: str,
    sender: str = "anna@acme.example",
) -> bytes:
    return plain(
        sender=sender,
        subject="Re: Angebot",
        message_id=message_id,
        body=body,
        In_Reply_To=in_reply_to,
        References=references,
    )


def new_id() -> str:
    return make_msgid(domain="acme.example")
