"""What was accepted can be given back byte for byte (property-based).

Hypothesis builds random MIME trees — nested multiparts, ``message/rfc822``
parts, 8-bit and broken headers, mixed charsets, missing Message-IDs — and
posts each message, the same message again through other servers (other
transport headers), and a variant with one part changed. Whatever Kontor
answers: a message answered as new downloads exactly as it was sent; a
message answered as a duplicate has the same content as the one stored."""

import base64
import itertools
import quopri
from dataclasses import dataclass, replace
from email import policy
from email.header import Header
from email.parser import BytesParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontor.mail.models import InboundMessage
from kontor.mail.parsing import parse_message

pytestmark = pytest.mark.django_db(transaction=False)

CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis", "x-no-such-charset"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable"]
MESSAGE_IDS = ["<same@acme.example>", "<other@acme.example>", None]
HEADER_NAMES = [b"Subject", b"From", b"To", b"Cc", b"X-Mailer", b"Reply-To", b"Date", b"Comments"]
SEPARATOR_FREE = st.characters(blacklist_categories=("Cs", "Cc"))


# Headers ------------------------------------------------------------------------------------


def _broken_encoded_word(text: str) -> bytes:
    data = text.encode("utf-8")[:-1] or b"\xf0"
    return b"=?utf-8?B?" + base64.b64encode(data) + b"?="


header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(
        str.encode
    ),
    st.text(alphabet=SEPARATOR_FREE, max_size=20).map(lambda s: s.encode("utf-8")),  # 8-bit
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=20).map(
        lambda s: s.encode("latin-1")
    ),
    st.text(alphabet=SEPARATOR_FREE, max_size=20).map(
        lambda s: Header(s, "utf-8").encode().encode("ascii")
    ),
    st.text(alphabet=SEPARATOR_FREE, min_size=1, max_size=10).map(_broken_encoded_word),
    st.binary(max_size=20).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
)


# MIME trees ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    content_type: str
    charset: str
    encoding: str
    data: bytes
    filename: bytes | None


@dataclass(frozen=True)
class Multipart:
    subtype: str
    children: tuple


@dataclass(frozen=True)
class Forwarded:
    message: "Message"


@dataclass(frozen=True)
class Message:
    headers: tuple[tuple[bytes, bytes], ...]
    message_id: str | None
    body: object


@st.composite
def leaves(draw) -> Leaf:
    content_type = draw(
        st.sampled_from(["text/plain", "text/html", "application/octet-stream", "image/png"])
    )
    charset = draw(st.sampled_from(CHARSETS))
    if content_type.startswith("text/"):
        text = draw(st.text(alphabet=SEPARATOR_FREE | st.sampled_from("\n\r\t"), max_size=120))
        data = text.encode(charset if charset != "x-no-such-charset" else "utf-8", "replace")
    else:
        data = draw(st.binary(min_size=1, max_size=200))
    filename = draw(st.none() | header_values)
    return Leaf(content_type, charset, draw(st.sampled_from(ENCODINGS)), data, filename)


def _tree(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(
            Multipart,
            st.sampled_from(["mixed", "alternative", "related"]),
            st.lists(children, min_size=1, max_size=4).map(tuple),
        ),
        st.builds(Forwarded, messages_of(children)),
    )


def messages_of(bodies: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        Message,
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        b"Subject",
                        b"From",
                        b"To",
                        b"Cc",
                        b"X-Mailer",
                        b"Reply-To",
                        b"Date",
                        b"Comments",
                    ]
                ),
                header_values,
            ),
            max_size=6,
        ).map(tuple),
        st.sampled_from(MESSAGE_IDS),
        bodies,
    )


bodies = st.recursive(leaves(), _tree, max_leaves=8)
messages = messages_of(bodies)


def _encode(leaf: Leaf) -> bytes:
    if leaf.encoding == "base64":
        return base64.encodebytes(leaf.data).replace(b"\n", b"\r\n")
    if leaf.encoding == "quoted-printable":
        return quopri.encodestring(leaf.data).replace(b"\n", b"\r\n")
    return leaf.data


def _render_body(
    body: object, boundaries: itertools.count, forwarded: list[bytes] | None = None
) -> tuple[list[bytes], bytes]:
    """The content headers and the body of a part; the bytes of the
    outermost forwarded messages collected in ``forwarded``."""
    if isinstance(body, Leaf):
        content_type = f"Content-Type: {body.content_type}; charset={body.charset}"
        headers = [content_type.encode(), f"Content-Transfer-Encoding: {body.encoding}".encode()]
        if body.filename is not None:
            headers.append(b'Content-Disposition: attachment; filename="' + body.filename + b'"')
        return headers, _encode(body)
    if isinstance(body, Forwarded):
        inner = render(body.message, boundaries)
        if forwarded is not None:
            forwarded.append(inner)
        return [b"Content-Type: message/rfc822"], inner
    boundary = f"=_kontor_{next(boundaries)}_boundary".encode()
    out = [b"This is a multi-part message in MIME format."]
    for child in body.children:
        headers, content = _render_body(child, boundaries, forwarded)
        out += [b"--" + boundary, b"\r\n".join(headers), b"", content]
    out.append(b"--" + boundary + b"--")
    content_type = f'Content-Type: multipart/{body.subtype}; boundary="{boundary.decode()}"'
    headers = [content_type.encode()]
    return headers, b"\r\n".join(out) + b"\r\n"


def render(
    message: Message,
    boundaries: itertools.count | None = None,
    forwarded: list[bytes] | None = None,
    top: bool = True,
) -> bytes:
    boundaries = boundaries or itertools.count()
    lines = [name + b": " + value for name, value in message.headers]
    if message.message_id:
        lines.append(b"Message-ID: " + message.message_id.encode())
    if top and isinstance(message.body, Forwarded):
        # A message whose body is a message is read as that message.
        content_headers = [b"Content-Type: message/rfc822"]
        body = render(message.body.message, boundaries, forwarded, top=False)
    else:
        content_headers, body = _render_body(message.body, boundaries, forwarded)
    lines += [b"MIME-Version: 1.0", *content_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def through_other_servers(raw: bytes) -> bytes:
    return (
        b"Return-Path: <anna@acme.example>\r\nDelivered-To: rita@kontor.example\r\n"
        b"Received: from mx2.acme.example by mx.kontor.example; Mon, 2 Mar 2026 09:00:00 +0100\r\n"
        b"X-Spam-Score: 0.1\r\n" + raw
    )


def _changed(body: object) -> object:
    """The same tree with its first leaf's content changed."""
    if isinstance(body, Leaf):
        return replace(body, data=body.data + b"!")
    if isinstance(body, Forwarded):
        return Forwarded(replace(body.message, body=_changed(body.message.body)))
    return replace(body, children=(_changed(body.children[0]), *body.children[1:]))


# The oracle ---------------------------------------------------------------------------------


def _transport(name: str) -> bool:
    name = name.lower()
    return name in {"received", "return-path", "delivered-to"} or name.startswith("x-")


def content(raw: bytes) -> list:
    """Every part's headers (transport headers aside) and decoded content."""
    parsed = BytesParser(policy=policy.compat32).parsebytes(raw)
    result = []
    for part in parsed.walk():
        headers = sorted(
            (name.lower(), " ".join(str(value).split()))
            for name, value in part.items()
            if not _transport(name)
        )
        payload = None if part.is_multipart() else part.get_payload(decode=True)
        result.append((headers, payload))
    return result


def download(inbound, body: dict) -> bytes:
    return b"".join(inbound.client.get(body["raw_url"]).streaming_content)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
@given(message=messages, order=st.permutations(["original", "again", "changed"]))
def test_every_accepted_message_is_given_back_as_it_came(inbound, message, order):
    """The database is shared by the examples: a message may have come in an
    earlier one. That changes nothing about what must hold."""
    original = render(message)
    sent = {
        "original": original,
        "again": through_other_servers(original),
        "changed": render(replace(message, body=_changed(message.body))),
    }
    answers = {}
    for name in order:
        response = inbound(sent[name])
        assert response.status_code in (200, 201), response.content
        body = response.json()
        answers[name] = body
        stored = download(inbound, body)
        if response.status_code == 201:
            assert stored == sent[name]
            assert InboundMessage.objects.get(pk=body["id"]).size == len(sent[name])
        else:
            assert body["duplicate"] is True
            assert content(stored) == content(sent[name])
    assert answers["original"]["id"] == answers["again"]["id"]
    assert answers["changed"]["id"] != answers["original"]["id"]


@settings(max_examples=150, deadline=None)
@given(message=messages)
def test_forwarded_messages_are_kept_as_their_exact_bytes(message):
    forwarded: list[bytes] = []
    raw = render(message, forwarded=forwarded)

    parsed = parse_message(raw)

    kept = [p.data for p in parsed.attachments if p.content_type == "message/rfc822"]
    assert kept == forwarded
