"""Outlook .msg files, through the inbound API and the upload page: filed
like an .eml (sender, thread, attachments), the original file kept."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kontor.activities.models import Activity, Kind
from kontor.files.models import Attachment
from kontor.mail.models import InboundMessage
from tests.factories import ActivityFactory
from tests.mail.realworld import outlook
from tests.mail.realworld.messages import PDF, SENT_TO_ANNA

OUTLOOK = "application/vnd.ms-outlook"


def post_msg(inbound, raw: bytes, content_type: str = OUTLOOK):
    client: Client = inbound.client
    return client.post("/api/v1/mail/inbound", raw, content_type=content_type)


def test_a_received_outlook_message_is_filed_and_threaded(inbound, anna, user):
    sent = ActivityFactory(
        author=user, contact=anna, kind="email", direction="outbound", subject="Ihr Angebot",
        message_id=SENT_TO_ANNA, thread=SENT_TO_ANNA,
    )  # fmt: skip
    raw = outlook.received_message()

    response = post_msg(inbound, raw)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["format"] == "outlook"
    assert body["message_id"] == "<AM0PR01MB7777@acme.example>"
    assert body["thread"] == sent.thread
    email = Activity.objects.get(pk=body["activity_id"])
    assert (email.contact, email.direction, email.subject) == (
        anna,
        "inbound",
        "AW: Ihr Angebot 4711",
    )
    assert email.body == "Danke, wir nehmen das Angebot an."
    [attachment] = Attachment.objects.filter(activity=email)
    assert (attachment.name, attachment.file.read()) == ("Auftrag.pdf", PDF)


def test_the_original_outlook_file_downloads_unchanged(inbound, anna):
    raw = outlook.received_message()
    body = post_msg(inbound, raw).json()

    response = inbound.client.get(body["raw_url"])

    assert b"".join(response.streaming_content) == raw
    assert response["Content-Type"] == OUTLOOK
    assert response["Content-Disposition"].endswith('.msg"')
    assert InboundMessage.objects.get().raw.name.endswith(".msg")


def test_an_outlook_message_without_headers_is_read_from_its_properties(inbound, anna):
    response = post_msg(inbound, outlook.unsent_draft())

    assert response.status_code == 201, response.content
    email = Activity.objects.get(pk=response.json()["activity_id"])
    assert (email.contact, email.subject) == (anna, "Entwurf: Rückfragen")
    assert email.to_addresses == ["rita@kontor.example"]
    assert email.occurred_at.date().isoformat() == "2026-03-03"
    assert "no Message-ID header" in response.json()["problems"]


def test_an_embedded_outlook_item_becomes_an_msg_file(inbound, anna):
    response = post_msg(inbound, outlook.with_embedded_message())

    assert response.status_code == 201, response.content
    [attachment] = Attachment.objects.filter(activity_id=response.json()["activity_id"])
    assert attachment.name == "Termin nächste Woche.msg"
    assert attachment.file.read().startswith(b"\xd0\xcf\x11\xe0")


def test_the_same_outlook_file_twice_is_stored_once(inbound, anna):
    raw = outlook.received_message()
    first = post_msg(inbound, raw)

    again = post_msg(inbound, raw)

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert Activity.objects.filter(kind=Kind.EMAIL).count() == 1


def test_the_same_message_saved_again_is_a_duplicate_too(inbound, anna):
    post_msg(inbound, outlook.received_message())

    assert post_msg(inbound, outlook.received_message()).status_code == 200


def test_a_file_that_is_no_outlook_file_is_a_422(inbound):
    response = post_msg(inbound, b"PK\x03\x04 a zip file")

    assert response.status_code == 422
    assert "not a readable Outlook message (.msg)" in str(response.json())
    assert not InboundMessage.objects.exists()


def test_an_eml_sent_as_outlook_is_a_422_that_says_so(inbound):
    response = post_msg(inbound, b"From: a@acme.example\r\nSubject: x\r\n\r\nText\r\n")

    assert response.status_code == 422
    assert "upload it as .eml" in str(response.json())


def test_a_truncated_outlook_file_is_a_422(inbound):
    response = post_msg(inbound, outlook.received_message()[:3000])

    assert response.status_code == 422
    assert "not a readable Outlook message" in str(response.json())


def test_an_outlook_contact_is_no_email(inbound):
    response = post_msg(inbound, outlook.contact_card())

    assert response.status_code == 422
    assert "not an email" in str(response.json())


def test_an_msg_file_can_be_uploaded(client, user, anna):
    client.force_login(user)

    response = client.post(
        reverse("mail-import"),
        {"files": [SimpleUploadedFile("Antwort.msg", outlook.received_message())],
         "create_unknown_contacts": "on"},
    )  # fmt: skip

    page = response.content.decode()
    assert "1 message imported" in page
    assert Activity.objects.get(kind=Kind.EMAIL).contact == anna
    assert InboundMessage.objects.get().raw_format == "outlook"


def test_an_unreadable_msg_upload_is_reported_on_the_page(client, user):
    client.force_login(user)

    response = client.post(
        reverse("mail-import"), {"files": [SimpleUploadedFile("kaputt.msg", b"\xd0\xcf\x11\xe0")]}
    )

    assert "not a readable Outlook message" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_the_import_page_offers_msg_files(client, user):
    client.force_login(user)

    assert ".msg" in client.get(reverse("mail-import")).content.decode()
