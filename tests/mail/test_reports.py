"""Bounces, read receipts and abuse reports: understood, acted on, shown on
the contact and in the API, never filed as a conversation with a machine."""

import pytest
from django.urls import reverse

from kontor.activities.models import Activity, Kind
from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact, EmailAddress
from kontor.files.models import Attachment
from kontor.mail.models import InboundMessage
from tests.factories import ActivityFactory, ContactFactory
from tests.mail.realworld import messages as corpus
from tests.mail.realworld.messages import BOB, SENT_TO_ANNA, SENT_TO_BOB


@pytest.fixture
def bob(user):
    return ContactFactory(first_name="Bob", last_name="Becker", emails=[BOB], owner=user)


@pytest.fixture
def sent_to_bob(user, bob):
    return ActivityFactory(
        author=user, contact=bob, kind="email", direction="outbound", subject="Neuigkeiten",
        message_id=SENT_TO_BOB, thread=SENT_TO_BOB,
    )  # fmt: skip


def bob_email() -> EmailAddress:
    return EmailAddress.objects.get(normalized=BOB)


def test_a_bounce_marks_the_address_with_reason_and_date(inbound, bob, sent_to_bob):
    response = inbound(corpus.POSTFIX_USER_UNKNOWN)

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "delivery_report"
    assert body["activity_id"] is None
    assert body["refers_to_activity_id"] == str(sent_to_bob.pk)
    [recipient] = body["report"]["recipients"]
    assert (recipient["address"], recipient["status"], recipient["permanent_failure"]) == (
        BOB, "5.1.1", True,
    )  # fmt: skip
    email = bob_email()
    assert email.bouncing
    assert email.bounce_reason.startswith("5.1.1 550 5.1.1 <bob@beispiel.example>: Recipient")
    assert email.bounced_at.isoformat() == "2026-03-02T07:00:05+00:00"


def test_the_bounce_is_no_conversation_with_the_mailer_daemon(inbound, bob):
    contacts = Contact.objects.count()

    inbound(corpus.POSTFIX_USER_UNKNOWN)

    assert Contact.objects.count() == contacts
    assert not Activity.objects.filter(kind=Kind.EMAIL, subject__contains="Undelivered").exists()


def test_the_delivery_status_part_is_kept_and_read(inbound, bob):
    message_id = inbound(corpus.POSTFIX_USER_UNKNOWN).json()["id"]

    raw = InboundMessage.objects.get(pk=message_id).raw.read()

    assert raw == corpus.POSTFIX_USER_UNKNOWN
    assert b"Content-Type: message/delivery-status" in raw


def test_the_contact_page_shows_the_bouncing_address(client, user, inbound, bob):
    inbound(corpus.POSTFIX_USER_UNKNOWN)
    client.force_login(user)

    page = client.get(bob.get_absolute_url()).content.decode()

    assert 'data-testid="email-bouncing"' in page
    assert "bouncing" in page
    assert "Recipient address rejected" in page
    assert "2026" in page


def test_the_api_shows_the_bouncing_address(api, inbound, bob):
    inbound(corpus.POSTFIX_USER_UNKNOWN)

    [email] = api.get(f"/api/v1/contacts/{bob.pk}").json()["emails"]

    assert email["bouncing"] is True
    assert email["bounce_reason"].startswith("5.1.1")
    assert email["bounced_at"].startswith("2026-03-02T07:00:05")
    assert email["do_not_email"] is False


def test_marking_a_bounce_is_audited(inbound, bob, user):
    inbound(corpus.POSTFIX_USER_UNKNOWN)

    entry = AuditEntry.objects.filter(object_id=str(bob.pk), action="update").get()
    assert entry.actor_id == user.pk
    assert f"emails[{BOB}].bouncing" in entry.fields


def test_the_mark_survives_an_edit_of_the_contact(api, inbound, bob):
    inbound(corpus.POSTFIX_USER_UNKNOWN)

    response = api.patch(
        f"/api/v1/contacts/{bob.pk}",
        {"emails": [{"address": BOB, "label": "private"}, {"address": "bob@neu.example"}]},
    )

    assert response.status_code == 200, response.content
    kept, added = response.json()["emails"]
    assert (kept["label"], kept["bouncing"]) == ("private", True)
    assert added["bouncing"] is False


def test_a_delay_is_counted_once_however_often_it_arrives(inbound, bob):
    inbound(corpus.SENDMAIL_DELAYED)
    again = inbound(corpus.SENDMAIL_DELAYED)

    assert again.status_code == 200
    assert bob_email().temporary_failures == 1
    assert not bob_email().bouncing


def test_a_read_receipt_joins_the_thread_of_the_sent_email(inbound, anna, user):
    sent = ActivityFactory(
        author=user, contact=anna, kind="email", direction="outbound", subject="Angebot",
        message_id=SENT_TO_ANNA, thread=SENT_TO_ANNA,
    )  # fmt: skip

    body = inbound(corpus.THUNDERBIRD_RECEIPT).json()

    assert body["kind"] == "read_receipt"
    assert body["refers_to_activity_id"] == str(sent.pk)
    assert body["report"]["disposition"] == "displayed"
    receipt = Activity.objects.get(pk=body["activity_id"])
    assert (receipt.contact, receipt.thread) == (anna, SENT_TO_ANNA)
    assert InboundMessage.objects.get(pk=body["id"]).refers_to == sent


def test_an_abuse_complaint_marks_the_address_not_to_be_emailed(api, inbound, bob):
    body = inbound(corpus.YAHOO_ABUSE_REPORT).json()

    assert body["kind"] == "complaint"
    assert body["activity_id"] is None
    [email] = api.get(f"/api/v1/contacts/{bob.pk}").json()["emails"]
    assert email["do_not_email"] is True
    assert "abuse complaint" in email["do_not_email_reason"]


def test_the_contact_page_shows_do_not_email(client, user, inbound, bob):
    inbound(corpus.YAHOO_ABUSE_REPORT)
    client.force_login(user)

    page = client.get(bob.get_absolute_url()).content.decode()

    assert 'data-testid="email-do-not-email"' in page


def test_the_import_page_says_what_a_report_did(client, user, bob):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)

    page = client.post(
        reverse("mail-import"),
        {"files": [SimpleUploadedFile("bounce.eml", corpus.POSTFIX_USER_UNKNOWN)]},
    ).content.decode()

    assert "Delivery report" in page
    assert "bob@beispiel.example: 5.1.1" in page


def test_a_forwarded_message_opens_as_an_email(client, user, inbound, anna):
    activity_id = inbound(corpus.APPLE_MAIL_FORWARD).json()["activity_id"]
    [attachment] = Attachment.objects.filter(activity_id=activity_id)
    client.force_login(user)

    page = client.get(reverse("mail-attached-message", args=[attachment.pk])).content.decode()
    detail = client.get(Activity.objects.get(pk=activity_id).get_absolute_url()).content.decode()

    assert "Termin nächste Woche" in page
    assert "carl@kunde.example" in page
    assert "Passt Dienstag?" in page
    assert reverse("mail-attached-message", args=[attachment.pk]) in detail


def test_only_emails_open_as_emails(client, user, inbound, anna):
    from tests.mail import corpus as simple

    activity_id = inbound(simple.nested_with_inline_image_and_attachment()).json()["activity_id"]
    pdf = Attachment.objects.get(activity_id=activity_id, name="Angebot 2026.pdf")
    client.force_login(user)

    assert client.get(reverse("mail-attached-message", args=[pdf.pk])).status_code == 404
