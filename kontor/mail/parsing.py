"""Reading RFC 5322 messages with the standard ``email`` package, the way
mail really arrives: undecodable charsets, malformed MIME, missing or 8-bit
headers. Reading never fails; what could not be read is listed in
``ParsedMessage.problems`` and the text is recovered as well as possible."""

import codecs
import datetime
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.mail.mime import RawPart, body_bytes, raw_parts

if TYPE_CHECKING:
    from kontor.mail.report_reading import Report

logger = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_SURROGATES = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00]")
MAX_REFERENCES = 50
MAX_ADDRESSES = 500
MAX_DEPTH = 30
# Charsets that mail programs declare while they mean windows-1252, a
# superset; reading them as windows-1252 gets €, „ and “ right.
_WINDOWS_1252_ALIASES = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1"}
# The machine-readable parts of reports; kept as they came and read.
REPORT_TYPES = {
    "message/delivery-status": "delivery-status",
    "message/global-delivery-status": "delivery-status",
    "message/disposition-notification": "disposition-notification",
    "message/global-disposition-notification": "disposition-notification",
    "message/feedback-report": "feedback-report",
}
_FILE_NAMES = {
    "text/calendar": "invitation.ics",
    "message/delivery-status": "delivery-status.txt",
    "message/global-delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "message/global-disposition-notification": "disposition-notification.txt",
    "message/feedback-report": "feedback-report.txt",
    "text/rfc822-headers": "original-headers.txt",
    "message/global-headers": "original-headers.txt",
}


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # as given; ``normalized`` for matching
    normalized: str


@dataclass(frozen=True)
class Part:
    """An attachment, an inline image or a calendar invitation."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    # The envelope recipients the delivering server noted (Delivered-To).
    delivered_to: list[Address] = field(default_factory=list)
    # Why a machine sent it, e.g. "Auto-Submitted: auto-replied"; empty for
    # a message a person wrote (see ``automatic_reason``).
    automatic: str = ""
    date: datetime.datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The machine-readable parts of a report (kind, bytes) and the original
    # message (or its headers) it returns; read by kontor.mail.report_reading.
    report_parts: list[tuple[str, bytes]] = field(default_factory=list)
    report_original: bytes | None = None
    report: "Report | None" = None

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


# Text ---------------------------------------------------------------------------


def _storable(text: str, message: ParsedMessage, where: str) -> str:
    """Text a database stores: bytes that arrived undeclared in a header
    (8-bit headers) read as UTF-8 or else windows-1252; no NUL characters."""
    if _SURROGATES.search(text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        message.problem(f"8-bit characters in the {where} header (not MIME-encoded)")
        text = _SURROGATES.sub("\ufffd", text)
    return _UNSTORABLE.sub("", text)


def _decode_bytes(payload: bytes, charset: str | None, message: ParsedMessage, where: str) -> str:
    declared = (charset or "").strip().lower()
    known = declared
    if declared:
        try:
            known = codecs.lookup(declared).name
        except LookupError:
            message.problem(
                f"unknown charset {declared!r} in the {where}; read as best as possible"
            )
            known = ""
    attempts = []
    if known:
        attempts.append("cp1252" if declared in _WINDOWS_1252_ALIASES else known)
    attempts += ["utf-8", "cp1252"]
    for index, encoding in enumerate(attempts):
        try:
            text = payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if index > 0 and known:
            message.problem(
                f"the {where} is not valid {declared}; read as {codecs.lookup(encoding).name}"
            )
        return _UNSTORABLE.sub("", text)
    message.problem(f"the {where} could not be decoded; unreadable characters replaced")
    return _UNSTORABLE.sub("", payload.decode("latin-1"))


class _TextOfHtml(HTMLParser):
    """The readable text of an HTML body (no scripts, styles or tags)."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    try:
        reader.feed(html)
        reader.close()
    except Exception:  # HTMLParser is lenient; never let a body stop an import
        logger.warning("could not read an HTML body", exc_info=True)
        return ""
    text = "".join(reader.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Headers ------------------------------------------------------------------------


def _header(msg: Message, fallback: Message | None, name: str, parsed: ParsedMessage) -> str:
    """A header's text, decoded; from the lenient parse if the strict one fails."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:
        parsed.problem(f"malformed {name} header")
        text = _legacy_header(fallback, name)
    if "\ufffd" in text and fallback is not None:
        # Undeclared 8-bit bytes that are no UTF-8: the strict parse replaced
        # them; the lenient one kept the bytes, to be read as windows-1252.
        raw = next((v for k, v in fallback.raw_items() if k.lower() == name.lower()), None)
        if isinstance(raw, str) and _SURROGATES.search(raw):
            text = " ".join(raw.split())
    return _storable(text, parsed, name).strip()


def _legacy_header(msg: Message | None, name: str) -> str:
    if msg is None:
        return ""
    value = msg.get(name)
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:
        return str(value)


def _addresses(text: str, parsed: ParsedMessage, where: str) -> list[Address]:
    result = []
    for name, address in getaddresses([text])[:MAX_ADDRESSES]:
        address = address.strip()
        if not address:
            continue
        try:
            normalized = normalize_email(address).normalized
        except InvalidContactPoint:
            parsed.problem(f"unreadable address in {where}: {address[:100]}")
            continue
        result.append(Address(name=name.strip(), address=address, normalized=normalized))
    return result


def _delivered_to(msg: Message, parsed: ParsedMessage) -> list[Address]:
    """Every Delivered-To header (a server adds one per delivery hop)."""
    try:
        values = [str(v) for v in msg.get_all("Delivered-To") or []]
    except Exception:
        parsed.problem("malformed Delivered-To header")
        return []
    found: list[Address] = []
    for value in values[:MAX_REFERENCES]:
        for address in _addresses(_storable(value, parsed, "Delivered-To"), parsed, "Delivered-To"):
            if address not in found:
                found.append(address)
    return found


# Headers by which a machine marks what it sent (RFC 3834 and the older
# conventions of mail programs and list servers).
AUTOMATIC_HEADERS = ("Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond")
AUTOMATIC_SENDERS = {"mailer-daemon", "postmaster"}


def automatic_reason(headers: dict[str, str], sender: Address | None) -> str:
    """Why the message is no person's: an ``Auto-Submitted`` other than
    ``no``, ``Precedence`` bulk, junk or list, any ``X-Autoreply`` or
    ``X-Autorespond``, or a sender MAILER-DAEMON or postmaster; else ""."""
    submitted = headers.get("Auto-Submitted", "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:50]}"
    precedence = headers.get("Precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if headers.get(name, "").strip():
            return name
    if sender is not None and sender.normalized.split("@")[0] in AUTOMATIC_SENDERS:
        return f"sent by {sender.normalized[:100]}"
    return ""


def _message_ids(text: str) -> list[str]:
    ids: list[str] = []
    for found in _MESSAGE_ID.findall(text):
        if found not in ids and len(found) <= 998:
            ids.append(found)
    return ids[:MAX_REFERENCES]


def _date(msg: Message, text: str, parsed: ParsedMessage) -> datetime.datetime | None:
    if not text:
        parsed.problem("no Date header; the time of receipt is used")
        return None
    try:
        value = msg["Date"].datetime
    except Exception:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        parsed.problem(f"unreadable Date header {text[:60]!r}; the time of receipt is used")
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


# Body ---------------------------------------------------------------------------


def _filename(part: Message, parsed: ParsedMessage, index: int, content_type: str) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        parsed.problem("an attachment's file name could not be read")
        name = ""
    name = _storable(str(name), parsed, "file name").strip()
    if not name:
        if content_type in _FILE_NAMES:
            return _FILE_NAMES[content_type]
        extension = {
            "message/rfc822": "eml",
            "message/global": "eml",
            "text/plain": "txt",
            "text/html": "html",
        }.get(content_type) or content_type.rsplit("/", 1)[-1][:10]
        name = f"attachment-{index}.{extension}"
    return name


def _payload(part: Message, parsed: ParsedMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        parsed.problem("a part's transfer encoding could not be decoded; kept as sent")
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


@dataclass
class _Source:
    """The message as received and where its parts lie in it."""

    raw: bytes
    tree: RawPart | None


def _exact_body(
    part: Message, content_type: str, path: tuple[int, ...], source: _Source, parsed: ParsedMessage
) -> bytes:
    """A ``message/*`` part's body exactly as it came: never written again by
    the email package, which may change it or fail on its headers."""
    located = source.tree.find(path) if source.tree is not None else None
    if located is not None and located.content_type == content_type:
        return body_bytes(source.raw, located)
    parsed.problem(
        f"the bytes of a {content_type} part could not be located; it is kept as far as it "
        "could be read (the raw message has it whole)"
    )
    inner = part.get_payload()
    blocks = inner if isinstance(inner, list) else [inner]
    try:
        return b"\n".join(b.as_bytes() for b in blocks if isinstance(b, Message))
    except Exception:
        return _payload(part, parsed)


def _forwarded_name(data: bytes, index: int) -> str:
    """A forwarded message's file name: its subject, else attachment-N."""
    scratch = ParsedMessage()
    try:
        strict = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        legacy = BytesParser(policy=policy.compat32).parsebytes(data, headersonly=True)
        subject = _header(strict, legacy, "Subject", scratch)
    except Exception:
        subject = ""
    subject = " ".join(re.sub(r"[\x00-\x1f\x7f/\\]+", " ", subject).split())[:120].strip(" .")
    return f"{subject}.eml" if subject else f"attachment-{index}.eml"


def _walk(
    part: Message,
    parsed: ParsedMessage,
    depth: int,
    path: tuple[int, ...],
    source: _Source,
    parent_type: str = "",
) -> None:
    if depth > MAX_DEPTH:
        parsed.problem("MIME parts nested too deeply; the innermost were not read")
        return
    try:
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
    except Exception:
        content_type, disposition = "application/octet-stream", "attachment"
        parsed.problem("a part's Content-Type could not be read")
    if content_type.startswith("message/") and (depth > 0 or content_type != "message/rfc822"):
        data = _exact_body(part, content_type, path, source, parsed)
        index = len(parsed.attachments) + 1
        if content_type in REPORT_TYPES:
            parsed.report_parts.append((REPORT_TYPES[content_type], data))
        elif parent_type == "multipart/report" and parsed.report_original is None:
            parsed.report_original = data
        name = _filename(part, parsed, index, content_type)
        if content_type in {"message/rfc822", "message/global"} and not part.get_filename():
            name = _forwarded_name(data, index)
        parsed.attachments.append(Part(name, content_type, data))
        return
    if part.is_multipart():
        for position, sub in enumerate(part.get_payload()):
            if isinstance(sub, Message):
                _walk(sub, parsed, depth + 1, (*path, position), source, content_type)
        return
    if content_type.startswith("multipart/"):
        parsed.problem(f"malformed MIME: {content_type} without parts; read as text")
        if not parsed.text:
            parsed.text = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "body")
        return
    is_text_body = content_type in {"text/plain", "text/html"} and disposition != "attachment"
    in_report = parent_type == "multipart/report" and depth > 0
    if is_text_body and content_type == "text/plain" and not parsed.text:
        parsed.text = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "text body")
        return
    if is_text_body and content_type == "text/html" and not parsed.html:
        parsed.html = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "HTML body")
        return
    data = _payload(part, parsed)
    if in_report and content_type == "text/rfc822-headers" and parsed.report_original is None:
        parsed.report_original = data
    name = _filename(part, parsed, len(parsed.attachments) + 1, content_type)
    parsed.attachments.append(Part(name, content_type, data))


def parse_message(raw: bytes) -> ParsedMessage:
    parsed = ParsedMessage()
    msg: Message
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:
        parsed.problem("the message could not be parsed strictly; read leniently")
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    try:
        legacy: Message | None = BytesParser(policy=policy.compat32).parsebytes(
            raw, headersonly=True
        )
    except Exception:
        legacy = None

    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    if not msg.keys():
        parsed.problem("no headers found; the whole message is read as its text")
    parsed.subject = _header(msg, legacy, "Subject", parsed)
    parsed.message_id = next(iter(_message_ids(_header(msg, legacy, "Message-ID", parsed))), "")
    if not parsed.message_id:
        parsed.problem("no Message-ID header")
    parsed.in_reply_to = _message_ids(_header(msg, legacy, "In-Reply-To", parsed))
    parsed.references = _message_ids(_header(msg, legacy, "References", parsed))
    senders = _addresses(_header(msg, legacy, "From", parsed), parsed, "From")
    parsed.sender = senders[0] if senders else None
    if parsed.sender is None:
        parsed.problem("no readable sender (From header)")
    parsed.to = _addresses(_header(msg, legacy, "To", parsed), parsed, "To")
    parsed.cc = _addresses(_header(msg, legacy, "Cc", parsed), parsed, "Cc")
    parsed.date = _date(msg, _header(msg, legacy, "Date", parsed), parsed)
    parsed.delivered_to = _delivered_to(msg, parsed)
    parsed.automatic = automatic_reason(
        {name: _header(msg, legacy, name, parsed) for name in AUTOMATIC_HEADERS}, parsed.sender
    )

    try:
        tree: RawPart | None = raw_parts(raw)
    except Exception:
        logger.warning("could not locate a message's MIME parts", exc_info=True)
        tree = None
    try:
        _walk(msg, parsed, 0, (), _Source(raw, tree))
    except Exception:
        logger.warning("could not read a message's MIME structure", exc_info=True)
        parsed.problem("the MIME structure could not be read; the text is the raw body")
        body = raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[-1]
        parsed.text = _decode_bytes(body, None, parsed, "body")
    for part_defects in _part_defects(msg):
        defects.extend(part_defects)
    if defects:
        parsed.problem("defects in the message's structure: " + ", ".join(sorted(set(defects))))
    if not parsed.text and parsed.html:
        parsed.text = html_to_text(parsed.html)
    return parsed


def _part_defects(msg: Message) -> list[list[str]]:
    found = []
    try:
        for part in msg.walk():
            if part is not msg and part.defects:
                found.append([type(d).__name__ for d in part.defects])
    except Exception:
        return [["UnreadableStructure"]]
    return found


__all__ = [
    "Address",
    "ParsedMessage",
    "Part",
    "html_to_text",
    "parse_message",
]
