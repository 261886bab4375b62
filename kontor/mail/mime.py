"""Where each MIME part of a message lies in the bytes as received.

The ``email`` package reads a message into objects but forgets the bytes;
writing a part back (``as_bytes``) refolds headers, changes line endings and
fails on headers it cannot encode again (an encoded word that splits a UTF-8
character). A forwarded message and a delivery report must be kept exactly
as they came, so this module finds the byte ranges of the parts the same way
the ``email`` package's parser splits them: headers up to the first empty
line, multipart bodies at the lines that carry the boundary (RFC 2046), the
line break before a boundary belonging to the boundary, and a ``message/*``
part's body being a message of its own."""

import base64
import binascii
import quopri
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

MAX_DEPTH = 30
# A header line as the email package's parser recognizes one.
_HEADER_LINE = re.compile(rb"^(From |[\041-\071\073-\176]*:|[\t ])")


@dataclass
class RawPart:
    """A part's place in the raw message: ``raw[start:end]`` is the whole
    part, ``raw[body_start:end]`` its body as sent (still transfer-encoded)."""

    start: int
    body_start: int
    end: int
    content_type: str
    transfer_encoding: str
    children: list["RawPart"] = field(default_factory=list)

    def find(self, path: tuple[int, ...]) -> "RawPart | None":
        part: RawPart | None = self
        for index in path:
            if part is None or index >= len(part.children):
                return None
            part = part.children[index]
        return part


def _lines(raw: bytes, start: int, end: int) -> list[tuple[int, bytes]]:
    """The lines of raw[start:end] with their offsets, line breaks kept."""
    result = []
    offset = start
    for line in raw[start:end].splitlines(keepends=True):
        result.append((offset, line))
        offset += len(line)
    return result


def _header_block(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """Where the headers of raw[start:end] end and where its body starts:
    after the first empty line, or at the first line that is no header."""
    for offset, line in _lines(raw, start, end):
        if line in (b"\r\n", b"\n", b"\r"):
            return offset, offset + len(line)
        if not _HEADER_LINE.match(line):
            return offset, offset
    return end, end


def header_block_end(raw: bytes) -> tuple[int, int]:
    """Where the message's header block ends and where its body starts."""
    return _header_block(raw, 0, len(raw))


def _headers(raw: bytes, start: int, end: int) -> tuple[Message, int]:
    """The part's headers and where its body starts."""
    headers_end, body_start = _header_block(raw, start, end)
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[start:headers_end])
    return headers, body_start


def _boundary_matcher(boundary: str) -> re.Pattern[bytes]:
    separator = re.escape(("--" + boundary).encode("utf-8", "surrogateescape"))
    return re.compile(
        rb"(?P<sep>" + separator + rb")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    )


def _split_multipart(raw: bytes, body_start: int, end: int, boundary: str) -> list[tuple[int, int]]:
    matcher = _boundary_matcher(boundary)
    ranges: list[tuple[int, int]] = []
    part_start: int | None = None
    previous_break = 0  # length of the line break that ends the line before
    for offset, line in _lines(raw, body_start, end):
        match = matcher.match(line)
        if match:
            if part_start is not None:
                ranges.append((part_start, max(part_start, offset - previous_break)))
            if match.group("end"):
                return ranges
            part_start = offset + len(line)
        previous_break = len(line) - len(line.rstrip(b"\r\n"))
    if part_start is not None:  # no closing boundary: the last part runs to the end
        ranges.append((part_start, end))
    return ranges


def _part(raw: bytes, start: int, end: int, default_type: str, depth: int) -> RawPart:
    headers, body_start = _headers(raw, start, end)
    if default_type != "text/plain":
        headers.set_default_type(default_type)
    try:
        content_type = headers.get_content_type()
    except Exception:
        content_type = default_type
    encoding = str(headers.get("Content-Transfer-Encoding", "") or "").strip().lower()
    part = RawPart(start, body_start, end, content_type, encoding)
    if depth >= MAX_DEPTH:
        return part
    if content_type.startswith("multipart/"):
        try:
            boundary = headers.get_boundary()
        except Exception:
            boundary = None
        if boundary:
            child_type = "message/rfc822" if content_type == "multipart/digest" else "text/plain"
            for child_start, child_end in _split_multipart(raw, body_start, end, boundary):
                part.children.append(_part(raw, child_start, child_end, child_type, depth + 1))
    elif content_type.startswith("message/") and content_type != "message/delivery-status":
        part.children.append(_part(raw, body_start, end, "text/plain", depth + 1))
    return part


def raw_parts(raw: bytes) -> RawPart:
    """The tree of the message's parts, in the order the ``email`` package
    lists them (``part.get_payload()`` of a multipart or ``message/*``)."""
    return _part(raw, 0, len(raw), "text/plain", 0)


def body_bytes(raw: bytes, part: RawPart) -> bytes:
    """The part's body as received, with only its transfer encoding undone
    (a ``message/*`` part is meant to be 7bit, 8bit or binary; some mailers
    base64-encode it all the same)."""
    body = raw[part.body_start : part.end]
    if part.transfer_encoding == "base64":
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", body)
        try:
            return base64.b64decode(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return body
    if part.transfer_encoding == "quoted-printable":
        return quopri.decodestring(body)
    return body


__all__ = ["RawPart", "body_bytes", "header_block_end", "raw_parts"]
