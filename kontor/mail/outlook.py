"""Outlook messages (.msg files, as dragged out of Outlook), read with
extract-msg into what an RFC 5322 message gives: sender, recipients, date,
Message-ID and references for threading, text, HTML and attachments. The
original file is what Kontor keeps."""

import datetime
import hashlib
import io
import logging
import re

import extract_msg
from extract_msg.enums import AttachmentType, RecipientType
from extract_msg.exceptions import ExMsgBaseException
from extract_msg.msg_classes import MessageBase
from olefile.olefile import OleFileError

from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.core.exceptions import FieldErrors
from kontor.mail.models import CFB_SIGNATURE
from kontor.mail.parsing import Address, ParsedMessage, Part, html_to_text, parse_message

logger = logging.getLogger(__name__)

_HTML_STREAM = "__substg1.0_10130102"
_SENDER_SMTP = ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_0065")
# Outlook items that are no emails (contacts, tasks, notes, calendar entries).
NOT_EMAIL_CLASSES = (
    "IPM.CONTACT", "IPM.DISTLIST", "IPM.TASK", "IPM.STICKYNOTE", "IPM.ACTIVITY",
    "IPM.APPOINTMENT",
)  # fmt: skip
_CONTENT_HEADERS = re.compile(rb"^Content-[^:\r\n]*:.*(?:\r?\n[ \t].*)*\r?\n", re.I | re.M)
_OUTLOOK_ERRORS = (ExMsgBaseException, OleFileError, OSError, ValueError, KeyError)


class UnreadableOutlookMessage(FieldErrors):
    """Not an Outlook message Kontor can read."""


def _unreadable(reason: str) -> UnreadableOutlookMessage:
    return UnreadableOutlookMessage.single(
        "message", f"is not a readable Outlook message (.msg): {reason}"
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        for encoding in ("utf-8", "cp1252"):
            try:
                return value.decode(encoding).replace("\x00", "")
            except UnicodeDecodeError:
                continue
    return str(value).replace("\x00", "")


def _address(name: str, address: str, parsed: ParsedMessage, where: str) -> Address | None:
    address = (address or "").strip()
    if not address or "@" not in address:  # an Exchange-internal "/O=…" address
        return None
    try:
        normalized = normalize_email(address).normalized
    except InvalidContactPoint:
        parsed.problem(f"unreadable address in {where}: {address[:100]}")
        return None
    return Address(name=(name or "").strip(), address=address, normalized=normalized)


def _from_properties(message, parsed: ParsedMessage) -> None:
    """Sender, recipients and identifiers from the message's own
    properties (a draft or a message never sent by SMTP has no headers)."""
    parsed.subject = _text(message.subject).strip()
    sender = next(
        (_text(message.getStringStream(s)) for s in _SENDER_SMTP if message.getStringStream(s)),
        "",
    )
    name = _text(message.getStringStream("__substg1.0_0C1A"))
    parsed.sender = _address(name, sender, parsed, "From")
    if parsed.sender is None:
        parsed.problem("no readable sender (From header)")
    for recipient in message.recipients:
        address = _address(_text(recipient.name), _text(recipient.email), parsed, "To")
        if address is None:
            continue
        if recipient.type == RecipientType.CC:
            parsed.cc.append(address)
        elif recipient.type == RecipientType.TO:
            parsed.to.append(address)
    parsed.message_id = _text(message.messageId).strip()
    if not parsed.message_id:
        parsed.problem("no Message-ID header")
    reply_to = _text(message.inReplyTo).strip()
    parsed.in_reply_to = [reply_to] if reply_to else []
    date = message.date
    if isinstance(date, datetime.datetime):
        parsed.date = date if date.tzinfo else date.replace(tzinfo=datetime.UTC)
    else:
        parsed.problem("no Date header; the time of receipt is used")


def _attachments(message, parsed: ParsedMessage) -> None:
    try:
        attachments = list(message.attachments)
    except _OUTLOOK_ERRORS as exc:
        parsed.problem(f"the attachments could not be read ({exc}); they are in the original file")
        return
    for index, attachment in enumerate(attachments, start=1):
        try:
            if attachment.type == AttachmentType.MSG:
                inner = attachment.data
                name = f"{_text(inner.subject).strip() or f'attachment-{index}'}.msg"
                data = inner.exportBytes(allowBadEmbed=True)
                parsed.attachments.append(Part(name, "application/vnd.ms-outlook", data))
                continue
            data = attachment.data
        except _OUTLOOK_ERRORS as exc:
            parsed.problem(
                f"attachment {index} could not be read ({exc}); it is in the original file"
            )
            continue
        if not isinstance(data, bytes):
            parsed.problem(
                f"attachment {index} is not a file (an OLE object); it is in the original file"
            )
            continue
        name = _text(attachment.longFilename or attachment.shortFilename).strip()
        parsed.attachments.append(
            Part(
                name or f"attachment-{index}",
                _text(attachment.mimetype) or "application/octet-stream",
                data,
            )
        )


def _read(message) -> ParsedMessage:
    headers = _text(message.headerText).strip()
    if headers:
        # Sent by SMTP: the headers it arrived with say it best.
        # Only the headers: the body and its MIME structure are Outlook's.
        header_block = _CONTENT_HEADERS.sub(b"", headers.encode("utf-8") + b"\r\n")
        parsed = parse_message(header_block + b"\r\n")
        if not parsed.subject:
            parsed.subject = _text(message.subject).strip()
    else:
        parsed = ParsedMessage()
        _from_properties(message, parsed)
    parsed.text = _text(message.body).strip()
    html_stream = message.getStream(_HTML_STREAM)
    if html_stream or not parsed.text:
        try:
            parsed.html = _text(message.htmlBody)
        except _OUTLOOK_ERRORS:
            parsed.problem("the HTML body could not be read")
    if not parsed.text and parsed.html:
        parsed.text = html_to_text(parsed.html)
    _attachments(message, parsed)
    return parsed


def _digest(parsed: ParsedMessage) -> str:
    """The same Outlook message dragged out twice is one message, though
    the two files differ in their bytes (OLE timestamps and layout)."""
    digest = hashlib.sha256(b"kontor-outlook-digest-1")
    sender = parsed.sender.normalized if parsed.sender else ""
    date = parsed.date.isoformat() if parsed.date else ""
    recipients = ",".join(a.normalized for a in [*parsed.to, *parsed.cc])
    for value in (parsed.message_id, sender, recipients, date, parsed.subject, parsed.text):
        digest.update(b"\x00" + value.encode("utf-8", "replace"))
    digest.update(b"\x00" + parsed.html.encode("utf-8", "replace"))
    for part in parsed.attachments:
        digest.update(b"\x00a" + part.filename.encode("utf-8", "replace"))
        digest.update(hashlib.sha256(part.data).digest())
    return digest.hexdigest()


def read_outlook_message(raw: bytes) -> tuple[ParsedMessage, str]:
    """The message in an .msg file and its duplicate key. Raises
    UnreadableOutlookMessage (a 422) for a file that is not one."""
    if not raw.startswith(CFB_SIGNATURE):
        if raw[:5] == b"From " or b":" in raw[:200].split(b"\n", 1)[0]:
            raise _unreadable("this looks like an RFC 5322 message; upload it as .eml")
        raise _unreadable("the file is not an Outlook (OLE compound) file")
    try:
        message = extract_msg.openMsg(io.BytesIO(raw), delayAttachments=True)
    except _OUTLOOK_ERRORS as exc:
        raise _unreadable(str(exc) or type(exc).__name__) from exc
    try:
        message_class = _text(getattr(message, "classType", "")).strip()
        if not isinstance(message, MessageBase) or message_class.upper().startswith(
            NOT_EMAIL_CLASSES
        ):
            kind = message_class or type(message).__name__
            raise _unreadable(f"it holds an Outlook item of the class {kind}, not an email")
        parsed = _read(message)
    except UnreadableOutlookMessage:
        raise
    except _OUTLOOK_ERRORS as exc:
        logger.info("could not read an Outlook message", exc_info=True)
        raise _unreadable(str(exc) or type(exc).__name__) from exc
    finally:
        message.close()
    return parsed, _digest(parsed)


__all__ = ["UnreadableOutlookMessage", "read_outlook_message"]
