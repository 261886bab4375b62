"""When two deliveries are the same message.

The same message reaches Kontor more than once: from two mailboxes, by IMAP
and by the inbound API, through a retry, from an mbox export. On the way,
mail servers add or change transport headers (``Received``, ``Delivered-To``,
``Return-Path``, ``X-*``, authentication results, an mbox's status lines)
and may change line endings. Everything else — every other header and the
content of every MIME part, attachments included — must be equal for the
second delivery to count as a duplicate; a message that differs in anything
else is another message, however much else it shares (a Message-ID, a
sender, a subject)."""

import hashlib
import re

from kontor.mail.mime import header_block_end

# Headers added or rewritten in transit or by a mail store, not by the sender.
TRANSPORT_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "envelope-to",
        "delivery-date",
        "old-return-path",
        "authentication-results",
        "received-spf",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "dkim-signature",
        "domainkey-signature",
        "status",
        "content-length",
        "lines",
    }
)
_CONTINUATION = re.compile(rb"\r?\n(?=[ \t])|\r(?=[ \t])")
_MBOX_QUOTED_FROM = re.compile(rb"^>+(?=From )", re.MULTILINE)
DIGEST_VERSION = b"kontor-mail-digest-2"


def is_transport_header(name: str) -> bool:
    name = name.strip().lower()
    return name in TRANSPORT_HEADERS or name.startswith(("x-", "resent-"))


def _headers(block: bytes) -> list[bytes]:
    """The block's headers as ``name:value`` lines, unfolded, transport
    headers left out, in a fixed order (some servers reorder them)."""
    unfolded = _CONTINUATION.sub(b"", block)
    kept = []
    for line in unfolded.splitlines():
        name, colon, value = line.partition(b":")
        if not colon:
            kept.append(line.rstrip())
            continue
        if is_transport_header(name.decode("latin-1")):
            continue
        kept.append(name.strip().lower() + b":" + b" ".join(value.split()))
    return sorted(kept)


def _body(body: bytes) -> bytes:
    """The body with line endings made equal and the ">From " quoting of
    mbox files undone; its bytes otherwise unchanged."""
    body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return _MBOX_QUOTED_FROM.sub(b"", body).rstrip(b"\n")


def content_digest(raw: bytes) -> str:
    """SHA-256 of what makes the message this message (see above)."""
    end, body_start = header_block_end(raw)
    digest = hashlib.sha256(DIGEST_VERSION)
    for header in _headers(raw[:end]):
        digest.update(b"\x00h")
        digest.update(header)
    digest.update(b"\x00b")
    digest.update(_body(raw[body_start:]))
    return digest.hexdigest()


__all__ = ["TRANSPORT_HEADERS", "content_digest", "is_transport_header"]
