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

from kontor.contacts.normalization import InvalidContactPoint, normalize_email

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
    date: datetime.datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

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
        extension = {
            "text/calendar": "ics",
            "message/rfc822": "eml",
            "text/plain": "txt",
            "text/html": "html",
        }.get(content_type) or content_type.rsplit("/", 1)[-1][:10]
        stem = "invitation" if content_type == "text/calendar" else f"attachment-{index}"
        name = f"{stem}.{extension}"
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


def _walk(part: Message, parsed: ParsedMessage, depth: int) -> None:
    if depth > MAX_DEPTH:
        parsed.problem("MIME parts nested too deeply; the innermost were not read")
        return
    try:
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
    except Exception:
        content_type, disposition = "application/octet-stream", "attachment"
        parsed.problem("a part's Content-Type could not be read")
    if content_type == "message/rfc822" and depth > 0:
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        try:
            data = inner.as_bytes() if isinstance(inner, Message) else _payload(part, parsed)
        except Exception:
            data = _payload(part, parsed)
        index = len(parsed.attachments) + 1
        parsed.attachments.append(
            Part(_filename(part, parsed, index, content_type), content_type, data)
        )
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, parsed, depth + 1)
        return
    if content_type.startswith("multipart/"):
        parsed.problem(f"malformed MIME: {content_type} without parts; read as text")
        if not parsed.text:
            parsed.text = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "body")
        return
    is_text_body = content_type in {"text/plain", "text/html"} and disposition != "attachment"
    if is_text_body and content_type == "text/plain" and not parsed.text:
        parsed.text = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "text body")
        return
    if is_text_body and content_type == "text/html" and not parsed.html:
        parsed.html = _decode_bytes(_payload(part, parsed), _charset(part), parsed, "HTML body")
        return
    index = len(parsed.attachments) + 1
    parsed.attachments.append(
        Part(_filename(part, parsed, index, content_type), content_type, _payload(part, parsed))
    )


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

    try:
        _walk(msg, parsed, 0)
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


__all__ = ["Address", "ParsedMessage", "Part", "html_to_text", "parse_message"]
