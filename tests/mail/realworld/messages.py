"""A corpus of messages shaped like those real mail systems send, each with
what Kontor must make of it (see README.md in this folder for their origin).

The world they arrive in (``test_realworld.py``): Anna Schmidt
(anna@acme.example, of ACME GmbH) and Bob Becker (bob@beispiel.example) are
contacts; Kontor sent "Ihr Angebot 4711" to Anna (Message-ID
<angebot-4711@kontor.example>) and the March newsletter to Bob
(<news-2026-03@kontor.example>). Own domain: kontor.example."""

import base64
from dataclasses import dataclass, field

SENT_TO_ANNA = "<angebot-4711@kontor.example>"
SENT_TO_BOB = "<news-2026-03@kontor.example>"
ANNA = "anna@acme.example"
BOB = "bob@beispiel.example"


@dataclass(frozen=True)
class Expect:
    status: int = 201  # 201 new, 200 duplicate, 422 refused
    kind: str = "email"
    filed: bool = True  # became an activity on a timeline
    attachments: tuple[str, ...] | None = None  # file names on the activity, in order
    problem: str = ""  # a problem that contains this text
    no_problem: str = ""  # no problem contains this text
    bouncing: tuple[str, ...] = ()
    not_bouncing: tuple[str, ...] = ()
    temporary_failures: tuple[str, ...] = ()
    do_not_email: tuple[str, ...] = ()
    refers_to: str = ""  # the Message-ID of the sent email the report is about
    thread: str = ""
    text: str = ""  # in the activity's body
    subject: str = ""


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    expect: Expect
    before: tuple[bytes, ...] = ()  # posted first
    exact_parts: tuple[bytes, ...] = field(default=())  # attachments kept byte for byte


def lines(*items: str | bytes, eol: bytes = b"\r\n") -> bytes:
    out = []
    for item in items:
        data = item.encode("utf-8") if isinstance(item, str) else item
        out.append(data.replace(b"\r\n", b"\n").replace(b"\n", eol))
    return eol.join(out)


def message(headers: str | bytes, body: str | bytes, eol: bytes = b"\r\n") -> bytes:
    return lines(
        headers.strip("\n") if isinstance(headers, str) else headers.strip(b"\n"),
        b"",
        body,
        eol=eol,
    )


def multipart(boundary: str, *parts: bytes, preamble: str = "") -> bytes:
    out = [preamble.encode()] if preamble else []
    for part in parts:
        out.append(b"--" + boundary.encode())
        out.append(part)
    out.append(b"--" + boundary.encode() + b"--")
    return b"\r\n".join(out) + b"\r\n"


def part(headers: str, body: str | bytes) -> bytes:
    return message(headers, body)


# Bounces (RFC 3464) ----------------------------------------------------------------

ORIGINAL_TO_BOB = message(
    f"""From: Kontor Vertrieb <vertrieb@kontor.example>
To: Bob Becker <{BOB}>
Subject: Neuigkeiten im =?utf-8?q?M=C3=A4rz?=
Date: Mon, 02 Mar 2026 08:00:00 +0100
Message-ID: {SENT_TO_BOB}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8""",
    "Hallo Bob,\nhier die Neuigkeiten.\n",
)
ORIGINAL_TO_ANNA_HEADERS = f"""From: Rita Rep <rita@kontor.example>
To: Anna Schmidt <{ANNA}>
Subject: Ihr Angebot 4711
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: {SENT_TO_ANNA}
"""


def dsn(
    *,
    mta: str,
    recipients: list[dict[str, str]],
    human: str,
    original: bytes | None = None,
    original_headers: str = "",
    sender: str = "MAILER-DAEMON@mx.beispiel.example (Mail Delivery System)",
    subject: str = "Undelivered Mail Returned to Sender",
    message_id: str = "<20260302070102.4F1C2@mx.beispiel.example>",
    status_type: str = "message/delivery-status",
    status_encoding: str = "",
    extra_headers: str = "",
) -> bytes:
    blocks = [f"Reporting-MTA: dns; {mta}\nArrival-Date: Mon, 02 Mar 2026 08:00:05 +0100"]
    for recipient in recipients:
        blocks.append("\n".join(f"{name}: {value}" for name, value in recipient.items()))
    status_body = lines("\n\n".join(blocks) + "\n")
    encoding_header = ""
    if status_encoding == "base64":
        status_body = base64.encodebytes(status_body).replace(b"\n", b"\r\n")
        encoding_header = "\nContent-Transfer-Encoding: base64"
    parts = [
        part(
            "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii", human
        ),
        part(
            f"Content-Description: Delivery report\nContent-Type: {status_type}" + encoding_header,
            status_body,
        ),
    ]
    if original is not None:
        parts.append(
            part("Content-Description: Undelivered Message\nContent-Type: message/rfc822", original)
        )
    if original_headers:
        parts.append(
            part(
                "Content-Description: Undelivered Message Headers\n"
                "Content-Type: text/rfc822-headers",
                original_headers,
            )
        )
    headers = f"""Return-Path: <>
Received: by {mta} (Postfix) id 4F1C2; Mon, 02 Mar 2026 08:00:05 +0100 (CET)
Date: Mon, 02 Mar 2026 08:00:05 +0100 (CET)
From: {sender}
Subject: {subject}
To: vertrieb@kontor.example
Auto-Submitted: auto-replied
Message-ID: {message_id}{extra_headers}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F1C2.1772434805/{mta}"
Content-Transfer-Encoding: 8bit"""
    return message(
        headers,
        multipart(
            f"4F1C2.1772434805/{mta}", *parts, preamble="This is a MIME-encapsulated message."
        ),
    )


def failed(address: str, status: str, diagnostic: str, **more: str) -> dict[str, str]:
    return {
        "Final-Recipient": f"rfc822; {address}",
        "Original-Recipient": f"rfc822;{address}",
        "Action": "failed",
        "Status": status,
        "Diagnostic-Code": diagnostic,
        **more,
    }


POSTFIX_USER_UNKNOWN = dsn(
    mta="mx.beispiel.example",
    recipients=[
        failed(
            BOB,
            "5.1.1",
            "smtp; 550 5.1.1 <bob@beispiel.example>: Recipient address "
            "rejected: User unknown in virtual mailbox table",
        )
    ],
    human="This is the mail system at host mx.beispiel.example.\n\nI'm sorry to have to "
    "inform you that your message could not\nbe delivered to one or more recipients.\n",
    original=ORIGINAL_TO_BOB,
)

EXIM_MAILBOX_FULL = dsn(
    mta="mail.beispiel.example",
    recipients=[
        {
            "Action": "failed",
            "Final-Recipient": f"rfc822;{BOB}",
            "Status": "5.2.2",
            "Remote-MTA": "dns; mail.beispiel.example",
            "Diagnostic-Code": "smtp; 552 5.2.2 Mailbox full",
        }
    ],
    human="This message was created automatically by mail delivery software.\n\n"
    "A message that you sent could not be delivered to one or more of its\nrecipients. "
    "This is a permanent error.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    sender="Mail Delivery System <Mailer-Daemon@mail.beispiel.example>",
    subject="Mail delivery failed: returning message to sender",
    message_id="<E1w2Xyz-0004AB-Cd@mail.beispiel.example>",
)

EXCHANGE_NDR = dsn(
    mta="AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
    recipients=[
        {
            "Final-Recipient": f"rfc822;{BOB}",
            "Action": "failed",
            "Status": "5.1.10",
            "Diagnostic-Code": "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
            "found by SMTP address lookup",
            "X-Display-Name": "Bob Becker",
        }
    ],
    human="Your message to bob@beispiel.example couldn't be delivered.\n"
    "bob wasn't found at beispiel.example.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    sender="Microsoft Outlook <postmaster@beispiel.example>",
    subject="Undeliverable: Neuigkeiten im März",
    message_id="<d8c7a1f2-0000-4000-8000-000000000001@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>",
)

GMAIL_BOUNCE = dsn(
    mta="mx.google.example",
    recipients=[
        failed(
            BOB,
            "5.1.1",
            "smtp; 550-5.1.1 The email account that you tried to reach does not exist.",
        )
    ],
    human="** Address not found **\n\nYour message wasn't delivered to bob@beispiel.example "
    "because the address couldn't be found.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    sender="Mail Delivery Subsystem <mailer-daemon@googlemail.example>",
    subject="Delivery Status Notification (Failure)",
    message_id="<62f0a5c1.050a0220.1.0@mx.google.example>",
)

SENDMAIL_DELAYED = dsn(
    mta="relay.beispiel.example",
    recipients=[
        {
            "Final-Recipient": f"RFC822; {BOB}",
            "Action": "delayed",
            "Status": "4.4.7",
            "Diagnostic-Code": "SMTP; 451 4.4.7 Deferred: Connection timed out",
            "Will-Retry-Until": "Thu, 5 Mar 2026 08:00:00 +0100",
        }
    ],
    human="*****************************************\n"
    "**   THIS IS A WARNING MESSAGE ONLY    **\n"
    "** YOU DO NOT NEED TO RESEND YOUR MESSAGE **\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    subject="Warning: could not send message for past 4 hours",
    message_id="<202603020800.6A1B2C3@relay.beispiel.example>",
)

POSTFIX_TEMPORARY_FAILED = dsn(
    mta="mx2.beispiel.example",
    recipients=[failed(BOB, "4.2.2", "smtp; 452 4.2.2 Over quota, try again later")],
    human="Delivery to the following recipient has been delayed.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    message_id="<20260302.temp@mx2.beispiel.example>",
)

TWO_RECIPIENTS_ONE_FAILED = dsn(
    mta="mx.kontor.example",
    recipients=[
        failed(BOB, "5.1.1", "smtp; 550 5.1.1 No such user"),
        {
            "Final-Recipient": f"rfc822; {ANNA}",
            "Action": "delivered",
            "Status": "2.0.0",
            "Diagnostic-Code": "smtp; 250 2.0.0 OK",
        },
    ],
    human="Your message could not be delivered to all recipients.\n",
    original_headers=ORIGINAL_TO_ANNA_HEADERS,
    message_id="<20260302.two@mx.kontor.example>",
)

DELIVERED_NOTIFICATION = dsn(
    mta="mx.acme.example",
    recipients=[{"Final-Recipient": f"rfc822; {ANNA}", "Action": "delivered", "Status": "2.0.0"}],
    human="Your message was delivered to the following recipients: anna@acme.example\n",
    original_headers=ORIGINAL_TO_ANNA_HEADERS,
    subject="Successful Mail Delivery Report",
    message_id="<20260302.delivered@mx.acme.example>",
)

GLOBAL_DELIVERY_STATUS = dsn(
    mta="mx.beispiel.example",
    recipients=[failed(BOB, "5.1.1", "smtp; 550 5.1.1 Benutzer unbekannt – üblich")],
    human="Die Nachricht konnte nicht zugestellt werden.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    status_type="message/global-delivery-status",
    message_id="<20260302.global@mx.beispiel.example>",
)

FORWARDED_ADDRESS_BOUNCE = dsn(
    mta="mx.elsewhere.example",
    recipients=[
        {
            "Original-Recipient": f"rfc822;{BOB}",
            "Final-Recipient": "rfc822;bob.becker@elsewhere.example",
            "Action": "failed",
            "Status": "5.1.1",
            "Diagnostic-Code": "smtp; 550 5.1.1 unknown user",
        }
    ],
    human="Forwarding of your message failed.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    message_id="<20260302.forwarded@mx.elsewhere.example>",
)

UNKNOWN_ADDRESS_BOUNCE = dsn(
    mta="mx.irgendwo.example",
    recipients=[failed("niemand@irgendwo.example", "5.1.1", "smtp; 550 5.1.1 unknown")],
    human="Undeliverable.\n",
    message_id="<20260302.unknown@mx.irgendwo.example>",
)

BASE64_STATUS_BOUNCE = dsn(
    mta="mx.beispiel.example",
    recipients=[failed(BOB, "5.1.1", "smtp; 550 5.1.1 user unknown")],
    human="Undeliverable message.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    status_encoding="base64",
    message_id="<20260302.b64@mx.beispiel.example>",
)

NO_STATUS_FIELD_BOUNCE = dsn(
    mta="mx.beispiel.example",
    recipients=[{"Final-Recipient": f"rfc822; {BOB}", "Action": "failed"}],
    human="The message could not be delivered.\n",
    message_id="<20260302.nostatus@mx.beispiel.example>",
)

POLICY_REJECTION = dsn(
    mta="mx.beispiel.example",
    recipients=[
        failed(BOB, "5.7.1", "smtp; 550 5.7.1 Message rejected due to content restrictions")
    ],
    human="Your message was rejected.\n",
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    message_id="<20260302.policy@mx.beispiel.example>",
)

YAHOO_BOUNCE_WITH_ORIGINAL = dsn(
    mta="mta1.mail.yahoo.example",
    recipients=[
        failed(
            BOB,
            "5.0.0",
            "smtp; 554 delivery error: dd This user doesn't have a yahoo.example account",
        )
    ],
    human="Sorry, we were unable to deliver your message to the following address.\n",
    original=ORIGINAL_TO_BOB,
    sender="MAILER-DAEMON@yahoo.example",
    subject="Failure Notice",
    message_id="<20260302.yahoo@mta1.mail.yahoo.example>",
)

QMAIL_TEXT_BOUNCE = message(
    """Return-Path: <>
Received: (qmail 12345 invoked for bounce); 2 Mar 2026 07:00:06 -0000
Date: 2 Mar 2026 07:00:06 -0000
From: MAILER-DAEMON@mail.beispiel.example
To: vertrieb@kontor.example
Subject: failure notice
Message-ID: <20260302070006.12345.qmail@mail.beispiel.example>""",
    "Hi. This is the qmail-send program at mail.beispiel.example.\nI'm afraid I wasn't able "
    "to deliver your message to the following addresses.\nThis is a permanent error; I've "
    "given up. Sorry it didn't work out.\n\n<bob@beispiel.example>:\nSorry, no mailbox here "
    "by that name. (#5.1.1)\n",
)


# Read receipts (RFC 8098) --------------------------------------------------------------


def mdn(
    *,
    agent: str,
    disposition: str,
    subject: str,
    original_message_id: str = SENT_TO_ANNA,
    message_id: str,
    sender: str = f"Anna Schmidt <{ANNA}>",
    original_headers: str = "",
) -> bytes:
    fields = [f"Reporting-UA: {agent}", f"Final-Recipient: rfc822;{ANNA}"]
    if original_message_id:
        fields.append(f"Original-Message-ID: {original_message_id}")
    fields.append(f"Disposition: {disposition}")
    parts = [
        part(
            "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit",
            "Dies ist eine Empfangsbestätigung für Ihre Nachricht.\n",
        ),
        part(
            'Content-Type: message/disposition-notification; name="MDNPart2.txt"\n'
            "Content-Disposition: inline\nContent-Transfer-Encoding: 7bit",
            "\n".join(fields) + "\n",
        ),
    ]
    if original_headers:
        parts.append(
            part('Content-Type: text/rfc822-headers; name="MDNPart3.txt"', original_headers)
        )
    return message(
        f"""Message-ID: {message_id}
Date: Mon, 2 Mar 2026 10:12:00 +0100
MIME-Version: 1.0
From: {sender}
To: Rita Rep <rita@kontor.example>
Subject: {subject}
Content-Type: multipart/report; report-type=disposition-notification;
 boundary="------------mdn4711\"""",
        multipart("------------mdn4711", *parts),
    )


THUNDERBIRD_RECEIPT = mdn(
    agent="Thunderbird 140.2.0; MDN-Agent",
    disposition="manual-action/MDN-sent-manually; displayed",
    subject="Empfangsbestätigung (angezeigt) - Ihr Angebot 4711",
    message_id="<mdn-tb-1@acme.example>",
    original_headers=ORIGINAL_TO_ANNA_HEADERS,
)
OUTLOOK_RECEIPT = mdn(
    agent="Microsoft Outlook 16.0",
    disposition="automatic-action/MDN-sent-automatically; displayed",
    subject="Gelesen: Ihr Angebot 4711",
    message_id="<mdn-ol-1@acme.example>",
)
DELETED_UNREAD_RECEIPT = mdn(
    agent="Microsoft Outlook 16.0",
    disposition="manual-action/MDN-sent-manually; deleted",
    subject="Nicht gelesen: Ihr Angebot 4711",
    message_id="<mdn-ol-2@acme.example>",
)
RECEIPT_FOR_UNKNOWN_MESSAGE = mdn(
    agent="Thunderbird 140.2.0; MDN-Agent",
    disposition="manual-action/MDN-sent-manually; displayed",
    subject="Empfangsbestätigung (angezeigt) - Alte Nachricht",
    original_message_id="<not-in-kontor@kontor.example>",
    message_id="<mdn-tb-2@acme.example>",
)
RECEIPT_WITHOUT_ORIGINAL_ID_FIELD = mdn(
    agent="Apple Mail",
    disposition="manual-action/MDN-sent-manually; displayed",
    subject="Read: Ihr Angebot 4711",
    original_message_id="",
    message_id="<mdn-apple-1@acme.example>",
    original_headers=ORIGINAL_TO_ANNA_HEADERS,
)


# Abuse reports (RFC 5965) ----------------------------------------------------------------


def arf(
    *,
    feedback_type: str = "abuse",
    rcpt_to: str = BOB,
    original: bytes | None = None,
    original_headers: str = "",
    message_id: str,
    provider: str = "feedback.mail.example",
) -> bytes:
    fields = [
        f"Feedback-Type: {feedback_type}",
        "User-Agent: ExampleFBL/1.0",
        "Version: 1",
        "Original-Mail-From: <bounces@kontor.example>",
    ]
    if rcpt_to:
        fields.append(f"Original-Rcpt-To: <{rcpt_to}>")
    fields += ["Arrival-Date: Mon, 02 Mar 2026 09:30:00 +0100", "Reported-Domain: kontor.example"]
    parts = [
        part(
            'Content-Type: text/plain; charset="US-ASCII"\nContent-Transfer-Encoding: 7bit',
            "This is an email abuse report for an email message received from IP\n"
            "192.0.2.1 on Mon, 02 Mar 2026 09:30:00 +0100.\n",
        ),
        part("Content-Type: message/feedback-report", "\n".join(fields) + "\n"),
    ]
    if original is not None:
        parts.append(part("Content-Type: message/rfc822\nContent-Disposition: inline", original))
    if original_headers:
        parts.append(part("Content-Type: text/rfc822-headers", original_headers))
    return message(
        f"""From: <abuse@{provider}>
Date: Mon, 02 Mar 2026 10:00:00 +0100
Subject: FW: Neuigkeiten im März
To: <abuse@kontor.example>
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
     boundary="part1_13d.2e68ed54_boundary\"""",
        multipart("part1_13d.2e68ed54_boundary", *parts),
    )


YAHOO_ABUSE_REPORT = arf(original=ORIGINAL_TO_BOB, message_id="<arf-1@feedback.mail.example>")
REDACTED_ABUSE_REPORT = arf(
    rcpt_to="",
    original_headers=ORIGINAL_TO_ANNA_HEADERS,
    message_id="<arf-2@feedback.mail.example>",
)
NOT_SPAM_REPORT = arf(
    feedback_type="not-spam", original=ORIGINAL_TO_BOB, message_id="<arf-3@feedback.example>"
)
ABUSE_REPORT_WITH_HEADERS_ONLY = arf(
    original_headers=ORIGINAL_TO_BOB.split(b"\r\n\r\n")[0].decode() + "\n",
    message_id="<arf-4@feedback.example>",
)


# Forwarded messages ------------------------------------------------------------------------

# An encoded word that ends in the middle of a UTF-8 character (the emoji is
# split over two encoded words): Python reads it, but cannot write it back.
NEWSLETTER_WITH_SPLIT_EMOJI = message(
    """From: =?UTF-8?B?TmV3c2xldHRlciDwn5qA?= <news@shop.example>
To: Anna Schmidt <anna@acme.example>
Subject: =?UTF-8?B?8J+Ok0Zyw7xobGluZ3NhbmdlYm90ZSDwn4y3?= =?UTF-8?B?8J+M?=
 =?UTF-8?B?tyBudXIgaGV1dGU=?=
Date: Sun, 01 Mar 2026 18:00:00 +0100
Message-ID: <nl-2026-03-01.abc@shop.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit""",
    "Frühlingsangebote 🌷 nur heute.\n",
)


def forward(
    inner: bytes,
    *,
    message_id: str,
    subject: str = "WG: Frühlingsangebote",
    text: str = "Schau mal, das könnte passen.\n",
    inner_headers: str = "Content-Type: message/rfc822",
    boundary: str = "----=_NextPart_000_0012_01DA8B2C.5F3E1A20",
) -> bytes:
    return message(
        f"""From: Anna Schmidt <{ANNA}>
To: Rita Rep <rita@kontor.example>
Subject: {subject}
Date: Mon, 02 Mar 2026 11:00:00 +0100
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="{boundary}\"""",
        multipart(
            boundary,
            part(
                'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit', text
            ),
            part(inner_headers, inner),
            preamble="This is a multipart message in MIME format.",
        ),
    )


FORWARDED_NEWSLETTER = forward(NEWSLETTER_WITH_SPLIT_EMOJI, message_id="<fwd-1@acme.example>")
APPLE_MAIL_FORWARD = forward(
    corpus_plain := message(
        f"""From: Carl Client <carl@kunde.example>
To: Anna Schmidt <{ANNA}>
Subject: Termin nächste Woche
Date: Fri, 27 Feb 2026 16:00:00 +0100
Message-ID: <C0FFEE-1@kunde.example>
Content-Type: text/plain; charset=us-ascii""",
        "Passt Dienstag?\n",
    ),
    message_id="<fwd-apple@acme.example>",
    inner_headers='Content-Disposition: attachment;\n\tfilename="Termin.eml"\n'
    'Content-Type: message/rfc822;\n\tx-unix-mode=0644;\n\tname="Termin.eml"',
    boundary="Apple-Mail=_5C1A2B3C-4D5E-6F70-8192-A3B4C5D6E7F8",
)
FORWARD_OF_A_FORWARD = forward(
    FORWARDED_NEWSLETTER,
    message_id="<fwd-2@acme.example>",
    subject="WG: WG: Frühling",
    boundary="----=_NextPart_001_0013_01DA8B2D.11111111",
)
BASE64_FORWARD = forward(
    base64.encodebytes(NEWSLETTER_WITH_SPLIT_EMOJI).replace(b"\n", b"\r\n"),
    message_id="<fwd-b64@acme.example>",
    inner_headers="Content-Type: message/rfc822\nContent-Transfer-Encoding: base64",
)
LATIN1_HEADERS_INNER = (
    b"From: J\xfcrgen M\xfcller <juergen@acme.example>\r\nTo: rita@kontor.example\r\n"
    b"Subject: Gr\xfc\xdfe aus K\xf6ln\r\nMessage-ID: <latin1-inner@acme.example>\r\n"
    b"Date: Mon, 02 Mar 2026 09:15:00 +0000\r\n\r\nText\r\n"
)
FORWARD_WITH_8BIT_HEADERS = forward(LATIN1_HEADERS_INNER, message_id="<fwd-8bit@acme.example>")
HEADERS_ONLY_INNER = b"From: carl@kunde.example\r\nSubject: Leer\r\nMessage-ID: <leer@kunde>\r\n"
FORWARD_OF_AN_EMPTY_MESSAGE = forward(HEADERS_ONLY_INNER, message_id="<fwd-empty@acme.example>")
OUTLOOK_INLINE_FORWARD = message(
    f"""From: Anna Schmidt <{ANNA}>
To: Rita Rep <rita@kontor.example>
Subject: WG: Termin
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <AM0PR01MB0001@acme.example>
Thread-Topic: Termin
Thread-Index: AdqMZ1y2abcdefghij
Content-Language: de-DE
MIME-Version: 1.0
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable""",
    "Zur Info.\n\n-----Urspr=FCngliche Nachricht-----\nVon: Carl Client <carl@kunde.example>\n"
    "Gesendet: Freitag, 27. Februar 2026 16:00\nAn: Anna Schmidt\nBetreff: Termin\n\n"
    "Passt Dienstag?\n",
)
DIGEST = message(
    f"""From: Anna Schmidt <{ANNA}>
To: Rita Rep <rita@kontor.example>
Subject: Zwei Nachrichten zur Info
Date: Mon, 02 Mar 2026 13:00:00 +0100
Message-ID: <digest-1@acme.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer""",
    multipart(
        "outer",
        part("Content-Type: text/plain", "Anbei zwei Nachrichten.\n"),
        part(
            'Content-Type: multipart/digest; boundary="inner"',
            multipart("inner", b"\r\n" + NEWSLETTER_WITH_SPLIT_EMOJI, b"\r\n" + corpus_plain),
        ),
    ),
)


# Near-duplicates -----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def with_files(
    *files: tuple[str, bytes],
    message_id: str = "<offer-files@acme.example>",
    cc: str = "",
    reply_to: str = "",
    text: str = "Anbei die Unterlagen.",
    transport: str = "",
    eol: bytes = b"\r\n",
) -> bytes:
    parts = [part("Content-Type: text/plain; charset=utf-8", text + "\n")]
    for name, data in files:
        parts.append(
            part(
                f'Content-Type: application/octet-stream; name="{name}"\n'
                f'Content-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64",
                base64.encodebytes(data).decode(),
            )
        )
    optional = (f"\nCc: {cc}" if cc else "") + (f"\nReply-To: {reply_to}" if reply_to else "")
    raw = message(
        f"""{transport}From: Anna Schmidt <{ANNA}>
To: Rita Rep <rita@kontor.example>{optional}
Subject: Unterlagen
Date: Mon, 02 Mar 2026 14:00:00 +0100
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="files-boundary\"""",
        multipart("files-boundary", *parts),
    )
    return raw.replace(b"\r\n", eol)


TRANSPORT = (
    "Return-Path: <anna@acme.example>\nDelivered-To: vertrieb@kontor.example\n"
    "Received: from mx.acme.example (mx.acme.example [192.0.2.10])\n\tby mx.kontor.example "
    "with ESMTPS id 4F1C2\n\tfor <vertrieb@kontor.example>; Mon, 02 Mar 2026 14:00:02 +0100\n"
    "X-Spam-Status: No, score=-1.0\nAuthentication-Results: mx.kontor.example; dkim=pass\n"
)
OFFER = with_files(("Angebot.pdf", PDF), ("Preise.csv", b"Artikel;Preis\nA;1,00\n"))
THIRTY_PARTS = with_files(
    *[(f"Zeichnung-{n:02}.bin", bytes([n]) * 60_000) for n in range(30)],
    message_id="<offer-30@acme.example>",
)
THREE_KB = with_files(("Zeichnung-00.bin", b"\x00" * 2000), message_id="<offer-30@acme.example>")


# Charsets and broken mail ----------------------------------------------------------------------

ISO_2022_JP = message(
    """From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@tokyo.example>
To: rita@kontor.example
Subject: =?ISO-2022-JP?B?GyRCOGFAJTBGRmIbKEI=?=
Date: Mon, 02 Mar 2026 09:00:00 +0900
Message-ID: <jp-1@tokyo.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit""",
    "\x1b$B$3$s$K$A$O\x1b(B\n",
)
KOI8_R = (
    b"From: ivan@moskva.example\r\nTo: rita@kontor.example\r\nSubject: =?koi8-r?B?8NLJ18XU?=\r\n"
    b"Date: Mon, 02 Mar 2026 09:00:00 +0300\r\nMessage-ID: <koi8@moskva.example>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=koi8-r\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2!\r\n"
)
GB2312 = message(
    """From: li@beijing.example
To: rita@kontor.example
Subject: =?gb2312?B?xOO6ww==?=
Date: Mon, 02 Mar 2026 09:00:00 +0800
Message-ID: <gb@beijing.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=gb2312
Content-Transfer-Encoding: base64""",
    "xOO6ww==\n",
)
BROKEN_BASE64_ATTACHMENT = message(
    f"""From: Anna Schmidt <{ANNA}>
To: rita@kontor.example
Subject: Kaputter Anhang
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <broken-b64@acme.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b1""",
    multipart(
        "b1",
        part("Content-Type: text/plain", "Siehe Anhang.\n"),
        part(
            'Content-Type: application/pdf; name="a.pdf"\nContent-Transfer-Encoding: base64',
            "JVBERi0xLjQK!!!kaputt***\n",
        ),
    ),
)
UTF8_RAW_HEADERS = message(
    f"""From: Jörg Weiß <{ANNA}>
To: rita@kontor.example
Subject: Größe und Maße
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <utf8raw@acme.example>""",
    "Text\n",
)
MULTIPART_WITHOUT_MIME_VERSION = message(
    f"""From: {ANNA}
To: rita@kontor.example
Subject: Ohne MIME-Version
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <nomime@acme.example>
Content-Type: multipart/alternative; boundary=alt""",
    multipart(
        "alt",
        part("Content-Type: text/plain", "Nur Text.\n"),
        part("Content-Type: text/html", "<p>Nur Text.</p>\n"),
    ),
)
SMIME_SIGNED = message(
    f"""From: Anna Schmidt <{ANNA}>
To: rita@kontor.example
Subject: Signiert
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <signed@acme.example>
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;
 boundary="sig-boundary\"""",
    multipart(
        "sig-boundary",
        part("Content-Type: text/plain; charset=utf-8", "Vertrag unterschrieben.\n"),
        part(
            'Content-Type: application/pkcs7-signature; name="smime.p7s"\n'
            "Content-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="smime.p7s"',
            base64.encodebytes(b"0\x82\x01\x00signature-bytes").decode(),
        ),
    ),
)
HTML_NEWSLETTER_FROM_UNKNOWN = message(
    """From: =?UTF-8?B?U2hvcCDwn5uN?= <news@shop.example>
To: rita@kontor.example
Subject: =?UTF-8?B?8J+OiSBOZXVlIEFuZ2Vib3Rl?=
Date: Mon, 02 Mar 2026 06:00:00 +0100
Message-ID: <nl-2026-03-02@shop.example>
List-Unsubscribe: <https://shop.example/unsubscribe>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable""",
    "<html><body><h1>Neue Angebote</h1><p>Nur f=C3=BCr Sie.</p></body></html>\n",
)
OUTLOOK_INVITATION = message(
    f"""From: Anna Schmidt <{ANNA}>
To: rita@kontor.example
Subject: Besprechung Angebot
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <invite-ol@acme.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="_000_invite_\"""",
    multipart(
        "_000_invite_",
        part("Content-Type: text/plain; charset=utf-8", "Wann: Dienstag 10 Uhr\n"),
        part(
            'Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
            "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:ol-1\nEND:VEVENT\nEND:VCALENDAR\n",
        ),
    ),
)
TNEF_WINMAIL = message(
    f"""From: Anna Schmidt <{ANNA}>
To: rita@kontor.example
Subject: Mit winmail.dat
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <tnef@acme.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=tnef""",
    multipart(
        "tnef",
        part("Content-Type: text/plain", "Anbei.\n"),
        part(
            'Content-Type: application/ms-tnef; name="winmail.dat"\n'
            'Content-Disposition: attachment; filename="winmail.dat"\n'
            "Content-Transfer-Encoding: base64",
            base64.encodebytes(b"\x78\x9f\x3e\x22tnef-data").decode(),
        ),
    ),
)
LONG_HEADER_LINE = message(
    f"""From: {ANNA}
To: rita@kontor.example, {", ".join(f"kollege{n}@kontor.example" for n in range(120))}
Subject: {"Sehr langer Betreff " * 70}
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <long@acme.example>""",
    "Kurz.\n",
)
OUT_OF_OFFICE = message(
    f"""From: Anna Schmidt <{ANNA}>
To: rita@kontor.example
Subject: Automatische Antwort: Ihr Angebot 4711
Date: Mon, 02 Mar 2026 09:05:00 +0100
Message-ID: <ooo@acme.example>
In-Reply-To: {SENT_TO_ANNA}
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All""",
    "Ich bin bis 9. März nicht im Büro.\n",
)
LF_ONLY = message(
    f"""From: {ANNA}
To: rita@kontor.example
Subject: Unix-Zeilenenden
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <lf@acme.example>""",
    "Zeile 1\nZeile 2\n",
    eol=b"\n",
)


def _mbox_quoted(raw: bytes) -> bytes:
    return raw.replace(b"\nFrom ", b"\n>From ")


FROM_LINE_IN_BODY = message(
    f"""From: {ANNA}
To: rita@kontor.example
Subject: Zitat
Date: Mon, 02 Mar 2026 09:00:00 +0100
Message-ID: <fromline@acme.example>""",
    "Wie besprochen:\nFrom here on we agree.\n",
)


CASES: list[Case] = [
    # Bounces
    Case(
        "postfix: user unknown",
        POSTFIX_USER_UNKNOWN,
        Expect(
            kind="delivery_report",
            filed=False,
            bouncing=(BOB,),
            refers_to=SENT_TO_BOB,
            attachments=None,
        ),
    ),
    Case(
        "exim: mailbox full",
        EXIM_MAILBOX_FULL,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,), refers_to=SENT_TO_BOB),
    ),
    Case(
        "exchange: recipient not found",
        EXCHANGE_NDR,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,), refers_to=SENT_TO_BOB),
    ),
    Case(
        "gmail: address not found",
        GMAIL_BOUNCE,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "sendmail: delayed",
        SENDMAIL_DELAYED,
        Expect(kind="delivery_report", filed=False, temporary_failures=(BOB,), not_bouncing=(BOB,)),
    ),
    Case(
        "postfix: over quota, temporary",
        POSTFIX_TEMPORARY_FAILED,
        Expect(kind="delivery_report", filed=False, temporary_failures=(BOB,), not_bouncing=(BOB,)),
    ),
    Case(
        "one of two recipients failed",
        TWO_RECIPIENTS_ONE_FAILED,
        Expect(
            kind="delivery_report",
            filed=False,
            bouncing=(BOB,),
            not_bouncing=(ANNA,),
            refers_to=SENT_TO_ANNA,
        ),
    ),
    Case(
        "delivered notification",
        DELIVERED_NOTIFICATION,
        Expect(kind="delivery_report", filed=False, not_bouncing=(ANNA,)),
    ),
    Case(
        "internationalized delivery status",
        GLOBAL_DELIVERY_STATUS,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "bounce after forwarding names the original recipient",
        FORWARDED_ADDRESS_BOUNCE,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "bounce for an address no contact has",
        UNKNOWN_ADDRESS_BOUNCE,
        Expect(kind="delivery_report", filed=False, no_problem="no contact"),
    ),
    Case(
        "base64-encoded delivery status",
        BASE64_STATUS_BOUNCE,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "failed without a status code",
        NO_STATUS_FIELD_BOUNCE,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "policy rejection 5.7.1",
        POLICY_REJECTION,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,)),
    ),
    Case(
        "yahoo bounce returning the whole message",
        YAHOO_BOUNCE_WITH_ORIGINAL,
        Expect(kind="delivery_report", filed=False, bouncing=(BOB,), refers_to=SENT_TO_BOB),
    ),
    Case(
        "qmail bounce in plain text",
        QMAIL_TEXT_BOUNCE,
        Expect(
            kind="delivery_report",
            filed=False,
            problem="without a machine-readable",
            not_bouncing=(BOB,),
        ),
    ),
    # Read receipts
    Case(
        "thunderbird read receipt",
        THUNDERBIRD_RECEIPT,
        Expect(
            kind="read_receipt",
            refers_to=SENT_TO_ANNA,
            thread=SENT_TO_ANNA,
            attachments=("MDNPart2.txt", "MDNPart3.txt"),
        ),
    ),
    Case(
        "outlook read receipt",
        OUTLOOK_RECEIPT,
        Expect(kind="read_receipt", refers_to=SENT_TO_ANNA, thread=SENT_TO_ANNA),
    ),
    Case(
        "deleted without being read",
        DELETED_UNREAD_RECEIPT,
        Expect(kind="read_receipt", refers_to=SENT_TO_ANNA),
    ),
    Case(
        "receipt for a message Kontor does not have",
        RECEIPT_FOR_UNKNOWN_MESSAGE,
        Expect(kind="read_receipt", problem="which Kontor does not have"),
    ),
    Case(
        "receipt naming its message only in the returned headers",
        RECEIPT_WITHOUT_ORIGINAL_ID_FIELD,
        Expect(kind="read_receipt", refers_to=SENT_TO_ANNA, thread=SENT_TO_ANNA),
    ),
    # Abuse reports
    Case(
        "abuse report",
        YAHOO_ABUSE_REPORT,
        Expect(kind="complaint", filed=False, do_not_email=(BOB,), refers_to=SENT_TO_BOB),
    ),
    Case(
        "abuse report with the recipient redacted",
        REDACTED_ABUSE_REPORT,
        Expect(kind="complaint", filed=False, do_not_email=(ANNA,), refers_to=SENT_TO_ANNA),
    ),
    Case("not-spam report", NOT_SPAM_REPORT, Expect(kind="complaint", filed=False)),
    Case(
        "abuse report with headers only",
        ABUSE_REPORT_WITH_HEADERS_ONLY,
        Expect(kind="complaint", filed=False, do_not_email=(BOB,)),
    ),
    # Forwarded messages
    Case(
        "forwarded newsletter whose subject splits an emoji",
        FORWARDED_NEWSLETTER,
        Expect(no_problem="empty", attachments=None),
        exact_parts=(NEWSLETTER_WITH_SPLIT_EMOJI,),
    ),
    Case(
        "apple mail forward as attachment",
        APPLE_MAIL_FORWARD,
        Expect(attachments=("Termin.eml",)),
        exact_parts=(corpus_plain,),
    ),
    Case(
        "forward of a forward",
        FORWARD_OF_A_FORWARD,
        Expect(attachments=("WG: Frühlingsangebote.eml",)),
        exact_parts=(FORWARDED_NEWSLETTER,),
    ),
    Case(
        "base64-encoded forwarded message",
        BASE64_FORWARD,
        Expect(no_problem="empty"),
        exact_parts=(NEWSLETTER_WITH_SPLIT_EMOJI,),
    ),
    Case(
        "forwarded message with 8-bit headers",
        FORWARD_WITH_8BIT_HEADERS,
        Expect(no_problem="empty"),
        exact_parts=(LATIN1_HEADERS_INNER,),
    ),
    Case(
        "forwarded message without a body",
        FORWARD_OF_AN_EMPTY_MESSAGE,
        Expect(attachments=("Leer.eml",)),
        exact_parts=(HEADERS_ONLY_INNER,),
    ),
    Case(
        "outlook inline forward", OUTLOOK_INLINE_FORWARD, Expect(text="Zur Info.", attachments=())
    ),
    Case(
        "digest of two messages",
        DIGEST,
        Expect(attachments=None),
        exact_parts=(NEWSLETTER_WITH_SPLIT_EMOJI, corpus_plain),
    ),
    # Near-duplicates
    Case(
        "the same message again through other servers",
        with_files(
            ("Angebot.pdf", PDF), ("Preise.csv", b"Artikel;Preis\nA;1,00\n"), transport=TRANSPORT
        ),
        Expect(status=200),
        before=(OFFER,),
    ),
    Case(
        "the same message with unix line endings",
        with_files(("Angebot.pdf", PDF), ("Preise.csv", b"Artikel;Preis\nA;1,00\n"), eol=b"\n"),
        Expect(status=200),
        before=(OFFER,),
    ),
    Case(
        "the same message from an mbox file",
        _mbox_quoted(FROM_LINE_IN_BODY),
        Expect(status=200),
        before=(FROM_LINE_IN_BODY,),
    ),
    Case(
        "another attachment under the same Message-ID",
        with_files(("Angebot.pdf", PDF + b"%v2\n"), ("Preise.csv", b"Artikel;Preis\nA;1,00\n")),
        Expect(problem="only in its attachments"),
        before=(OFFER,),
    ),
    Case(
        "one attachment more under the same Message-ID",
        with_files(
            ("Angebot.pdf", PDF), ("Preise.csv", b"Artikel;Preis\nA;1,00\n"), ("AGB.pdf", PDF)
        ),
        Expect(problem="same Message-ID"),
        before=(OFFER,),
    ),
    Case(
        "an attachment renamed under the same Message-ID",
        with_files(("Angebot-final.pdf", PDF), ("Preise.csv", b"Artikel;Preis\nA;1,00\n")),
        Expect(problem="same Message-ID"),
        before=(OFFER,),
    ),
    Case(
        "another Cc under the same Message-ID",
        with_files(
            ("Angebot.pdf", PDF),
            ("Preise.csv", b"Artikel;Preis\nA;1,00\n"),
            cc="carl@kunde.example",
        ),
        Expect(problem="same Message-ID"),
        before=(OFFER,),
    ),
    Case(
        "another Reply-To under the same Message-ID",
        with_files(
            ("Angebot.pdf", PDF),
            ("Preise.csv", b"Artikel;Preis\nA;1,00\n"),
            reply_to="einkauf@acme.example",
        ),
        Expect(problem="same Message-ID"),
        before=(OFFER,),
    ),
    Case(
        "another text under the same Message-ID",
        with_files(
            ("Angebot.pdf", PDF),
            ("Preise.csv", b"Artikel;Preis\nA;1,00\n"),
            text="Ganz andere Unterlagen.",
        ),
        Expect(problem="in its sender, date, subject or text"),
        before=(OFFER,),
    ),
    Case(
        "a 1.8 MB message of 30 parts after a 3 KB one with its Message-ID",
        THIRTY_PARTS,
        Expect(problem="only in its attachments"),
        before=(THREE_KB,),
    ),
    Case(
        "a message without Message-ID twice",
        message("From: a@acme.example\nSubject: x", "ohne ID\n"),
        Expect(status=200, filed=True),
        before=(message("Received: from a by b\nFrom: a@acme.example\nSubject: x", "ohne ID\n"),),
    ),
    # Charsets and broken mail
    Case("iso-2022-jp", ISO_2022_JP, Expect(text="こんにちは")),
    Case("koi8-r", KOI8_R, Expect(text="Привет, мир!", subject="Привет")),
    Case("gb2312", GB2312, Expect(text="你好", subject="你好")),
    Case(
        "encoded word splitting a character",
        NEWSLETTER_WITH_SPLIT_EMOJI,
        Expect(text="Frühlingsangebote"),
    ),
    Case("broken base64 attachment", BROKEN_BASE64_ATTACHMENT, Expect(text="Siehe Anhang.")),
    Case("raw utf-8 headers", UTF8_RAW_HEADERS, Expect(subject="Größe und Maße")),
    Case(
        "multipart without MIME-Version", MULTIPART_WITHOUT_MIME_VERSION, Expect(text="Nur Text.")
    ),
    Case(
        "s/mime signed",
        SMIME_SIGNED,
        Expect(text="Vertrag unterschrieben.", attachments=("smime.p7s",)),
    ),
    Case(
        "html newsletter from an unknown sender",
        HTML_NEWSLETTER_FROM_UNKNOWN,
        Expect(text="Nur für Sie.", subject="🎉 Neue Angebote"),
    ),
    Case("outlook invitation", OUTLOOK_INVITATION, Expect(attachments=("invitation.ics",))),
    Case("winmail.dat", TNEF_WINMAIL, Expect(attachments=("winmail.dat",))),
    Case("very long header lines", LONG_HEADER_LINE, Expect(text="Kurz.")),
    Case("out of office reply", OUT_OF_OFFICE, Expect(thread=SENT_TO_ANNA, text="nicht im Büro")),
    Case("unix line endings", LF_ONLY, Expect(text="Zeile 1\nZeile 2")),
    Case("a From line in the body", FROM_LINE_IN_BODY, Expect(text="From here on")),
]
