"""Messages as they really arrive: none is lost, none causes a 500, and the
response says what could not be read."""

import pytest

from kontor.activities.models import Activity, Kind
from kontor.files.models import Attachment
from kontor.mail.models import InboundMessage
from kontor.mail.parsing import parse_message
from tests.mail import corpus


def email():
    return Activity.objects.get(kind=Kind.EMAIL)


def test_multipart_alternative_keeps_text_and_html(inbound, anna):
    response = inbound(corpus.alternative())

    assert response.status_code == 201
    assert email().body == "Die Textfassung."
    assert "<b>HTML</b>" in email().body_html
    assert response.json()["problems"] == []


def test_an_html_only_message_gets_a_readable_text(inbound, anna):
    inbound(corpus.html_only())

    assert email().body == "Erste Zeile\n\nZweite & letzte"
    assert "alert" not in email().body


def test_nested_multipart_with_an_inline_image(inbound, anna):
    response = inbound(corpus.nested_with_inline_image_and_attachment())

    assert response.json()["problems"] == []
    assert Attachment.objects.filter(activity=email()).count() == 2


def test_an_iso_8859_1_body(inbound, anna):
    inbound(corpus.iso_8859_1())

    assert email().body == "Grüße aus Köln, Jürgen"


@pytest.mark.parametrize("declared", ["windows-1252", "iso-8859-1"])
def test_a_windows_1252_body_however_declared(inbound, anna, declared):
    response = inbound(corpus.windows_1252(declared))

    assert email().body == "Preis: 100 € – „günstig“"
    assert response.json()["problems"] == []


def test_a_utf8_declared_body_in_windows_1252_is_read_and_reported(inbound, anna):
    response = inbound(corpus.windows_1252("utf-8"))

    assert email().body.endswith("Preis: 100 € – „günstig“")
    assert "not valid utf-8; read as cp1252" in response.json()["problems"][0]


def test_rfc_2047_encoded_headers(inbound, user):
    response = inbound(corpus.rfc2047_headers())

    assert email().subject == "Angebot für Müller €"
    [created] = response.json()["created_contacts"]
    assert created["display_name"] == "Jürgen Müller"


def test_a_missing_date_is_the_time_of_receipt(inbound, anna):
    response = inbound(corpus.plain(date=None))

    assert response.status_code == 201
    assert "no Date header" in response.json()["problems"][0]
    assert email().body.startswith("⚠ no Date header")


def test_an_unreadable_date_is_the_time_of_receipt(inbound, anna):
    response = inbound(corpus.garbage_date())

    assert any("Date" in p for p in response.json()["problems"])
    assert email().occurred_at.year >= 2026


def test_a_calendar_invitation_is_kept_as_a_file(inbound, anna):
    inbound(corpus.calendar_invitation())

    [invitation] = Attachment.objects.filter(activity=email())
    assert invitation.name == "invitation.ics"
    assert b"METHOD:REQUEST" in invitation.file.read()
    assert email().body == "Sie sind eingeladen."


def test_an_undecodable_charset_is_read_as_well_as_possible(inbound, anna):
    response = inbound(corpus.undecodable_charset())

    assert response.status_code == 201
    assert "unknown charset 'x-no-such-charset'" in response.json()["problems"][0]
    assert "Köln äöü" in email().body


def test_8_bit_utf8_headers_are_read(inbound, user):
    response = inbound(corpus.eight_bit_headers())

    assert response.status_code == 201
    assert email().subject == "Grüße aus Köln"
    assert response.json()["created_contacts"][0]["display_name"] == "Jürgen Müller"


def test_8_bit_latin_1_headers_are_read_as_windows_1252(inbound, anna):
    response = inbound(corpus.latin1_eight_bit_subject())

    assert email().subject == "Grüße"
    assert "8-bit characters in the Subject header" in response.json()["problems"][0]


def test_a_message_without_sender_date_and_id_is_kept(inbound):
    response = inbound(corpus.missing_headers())

    assert response.status_code == 201
    problems = response.json()["problems"]
    assert any("Message-ID" in p for p in problems)
    assert any("sender" in p for p in problems)
    message = InboundMessage.objects.get()
    assert message.subject == "Nur ein Betreff"
    assert message.raw.read() == corpus.missing_headers()


def test_the_same_message_without_id_twice_is_stored_once(inbound):
    inbound(corpus.missing_headers())
    again = inbound(corpus.missing_headers())

    assert again.status_code == 200
    assert InboundMessage.objects.count() == 1


def test_text_without_any_header_is_kept(inbound):
    response = inbound(corpus.no_headers_at_all())

    assert response.status_code == 201
    assert InboundMessage.objects.count() == 1


def test_multipart_without_boundary_is_read_as_text(inbound, anna):
    response = inbound(corpus.multipart_without_boundary())

    assert response.status_code == 201
    assert "Der eigentliche Text." in email().body
    assert any("malformed MIME" in p or "defects" in p for p in response.json()["problems"])


def test_an_unterminated_multipart_keeps_what_it_has(inbound, anna):
    response = inbound(corpus.unterminated_multipart())

    assert response.status_code == 201
    assert "Erster Teil." in email().body
    assert response.json()["problems"]


def test_an_attachment_over_the_limit_stays_in_the_raw_message(inbound, anna):
    raw = corpus.with_attachment(30 * 1024 * 1024)  # 30 MB, the limit is 25 MB

    response = inbound(raw)

    assert response.status_code == 201, response.content[:500]
    [problem] = response.json()["problems"]
    assert "zeichnungen.bin (30.0 MB) is larger than 25 MB" in problem
    assert not Attachment.objects.exists()
    assert email().body.startswith("⚠ attachment zeichnungen.bin")
    message = InboundMessage.objects.get()
    assert message.size == len(raw)
    assert message.raw.size == len(raw)


def test_a_failure_while_processing_keeps_the_message(inbound, anna, monkeypatch):
    from kontor.mail import services

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "activity_create", broken)

    response = inbound(corpus.plain())

    assert response.status_code == 201
    assert response.json()["activity_id"] is None
    assert "could not be processed (RuntimeError)" in response.json()["problems"][-1]
    assert InboundMessage.objects.get().raw.read() == corpus.plain()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        corpus.plain(),
        corpus.alternative(),
        corpus.nested_with_inline_image_and_attachment(),
        corpus.eight_bit_headers(),
        corpus.undecodable_charset(),
        corpus.multipart_without_boundary(),
        corpus.unterminated_multipart(),
        corpus.missing_headers(),
        corpus.no_headers_at_all(),
        b"\x00\xff\xfe garbage \x00",
        b"From: <<<@@@>>>\r\nTo: ,,,\r\nCc: \xff\r\nSubject: =?x-bad?q?zz?=\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: message/rfc822\r\n\r\n--a--",
    ],
)
def test_reading_never_fails_and_stores_only_storable_text(raw):
    parsed = parse_message(raw)

    for text in [
        parsed.subject,
        parsed.text,
        parsed.html,
        *(p.filename for p in parsed.attachments),
    ]:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates
