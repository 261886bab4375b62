"""POST /api/v1/mail/inbound: a raw message becomes an email activity."""

from kontor.activities.models import Activity, Kind
from kontor.contacts.models import Contact
from kontor.files.models import Attachment
from kontor.mail.models import InboundMessage
from tests.factories import ContactFactory, OrganizationFactory, UserFactory
from tests.mail import corpus


def emails():
    return Activity.objects.filter(kind=Kind.EMAIL)


def test_a_message_from_a_contact_lands_on_their_timeline(inbound, anna):
    response = inbound(corpus.plain())

    assert response.status_code == 201, response.content
    body = response.json()
    email = emails().get()
    assert body["activity_id"] == str(email.pk)
    assert [m["id"] for m in body["matched"]] == [str(anna.pk)]
    assert body["matched"][0]["matched_by"] == "email"
    assert body["created_contacts"] == []
    assert body["problems"] == []
    assert email.contact == anna
    assert email.organization == anna.organization
    assert email.direction == "inbound"
    assert email.subject == "Angebot"
    assert email.from_address == "anna@acme.example"
    assert email.to_addresses == ["rita@kontor.example"]
    assert email.message_id == "<m1@acme.example>"
    assert email.thread == "<m1@acme.example>"
    assert email.occurred_at == corpus.SENT
    assert email.body == "Hallo Rita,\nbitte schicken Sie uns das Angebot."


def test_the_matches_are_serialized_like_the_lookup(inbound, api, anna):
    matched = inbound(corpus.plain()).json()["matched"]

    assert matched == api.get("/api/v1/lookup", {"email": "anna@acme.example"}).json()["matches"]


def test_a_message_from_the_own_domain_is_outgoing_and_filed_under_the_recipient(inbound, anna):
    raw = corpus.plain(sender="Rita <rita@kontor.example>", to="Anna <anna@acme.example>")

    inbound(raw)

    email = emails().get()
    assert (email.direction, email.contact) == ("outbound", anna)


def test_the_mailboxs_own_addresses_make_a_message_outgoing(inbound, settings, user, anna):
    from kontor.mail.models import Mailbox

    settings.KONTOR_OWN_EMAIL_DOMAINS = []
    mailbox = Mailbox.objects.create(
        name="Sales", email_address="sales@firma.example", other_addresses="vertrieb@firma.example",
        host="imap.firma.example", username="sales", owner=user,
    )  # fmt: skip

    inbound(
        corpus.plain(sender="vertrieb@firma.example", to="anna@acme.example"),
        mailbox=mailbox.pk,
    )

    assert emails().get().direction == "outbound"


def test_an_unknown_sender_becomes_a_lead_with_name_and_address(inbound, user):
    response = inbound(corpus.plain(sender='"Müller, Hans" <hans.mueller@example.org>'))

    [created] = response.json()["created_contacts"]
    contact = Contact.objects.get(pk=created["id"])
    assert (contact.first_name, contact.last_name) == ("Hans", "Müller")
    assert [e.address for e in contact.emails.all()] == ["hans.mueller@example.org"]
    assert contact.lifecycle_stage == "lead"
    assert contact.owner == user
    assert emails().get().contact == contact
    assert response.json()["matched"][0]["id"] == created["id"]


def test_an_unknown_sender_of_a_known_organization_joins_it(inbound, acme):
    response = inbound(corpus.plain(sender="Bob Neu <bob@acme.example>"))

    contact = Contact.objects.get(pk=response.json()["created_contacts"][0]["id"])
    assert contact.organization == acme
    assert emails().get().organization == acme


def test_creating_contacts_for_unknown_senders_can_be_switched_off(inbound, acme):
    response = inbound(corpus.plain(sender="bob@acme.example"), create_contacts="false")

    body = response.json()
    assert body["created_contacts"] == []
    assert [m["matched_by"] for m in body["matched"]] == ["email_domain"]
    assert emails().get().organization == acme
    assert emails().get().contact is None


def test_a_mailbox_can_switch_off_creating_contacts(inbound, user):
    from kontor.mail.models import Mailbox

    mailbox = Mailbox.objects.create(
        name="Info", email_address="info@kontor.example", host="imap", username="info",
        owner=user, create_unknown_contacts=False,
    )  # fmt: skip

    response = inbound(corpus.plain(sender="stranger@example.org"), mailbox=mailbox.pk)

    assert response.json()["created_contacts"] == []
    assert not Contact.objects.exists()


def test_a_free_mail_sender_never_matches_an_organization_by_domain(inbound, user):
    OrganizationFactory(name="Google", website="gmail.com", owner=user)

    response = inbound(corpus.plain(sender="someone@gmail.com"), create_contacts="false")

    assert response.json()["matched"] == []
    assert response.json()["activity_id"] is None
    assert "no contact or organization matches" in response.json()["problems"][-1]


def test_an_unmatched_message_is_kept_unassigned(inbound):
    response = inbound(corpus.plain(sender="x@example.org"), create_contacts="false")

    assert response.status_code == 201
    message = InboundMessage.objects.get()
    assert message.activity is None
    assert message.raw.read() == corpus.plain(sender="x@example.org")


def test_recipients_are_matched_too(inbound, anna, user):
    colleague = ContactFactory(first_name="Carl", emails=["carl@acme.example"], owner=user)

    response = inbound(corpus.plain(Cc="carl@acme.example"))

    ids = [m["id"] for m in response.json()["matched"]]
    assert ids[:2] == [str(anna.pk), str(colleague.pk)]
    assert emails().get().cc_addresses == ["carl@acme.example"]


def test_the_same_message_delivered_twice_is_stored_once(inbound, anna):
    first = inbound(corpus.plain())
    second = inbound(corpus.plain(Received="from relay2.example by mx.kontor.example"))

    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["activity_id"] == first.json()["activity_id"]
    assert emails().count() == 1
    assert InboundMessage.objects.count() == 1


def test_another_message_reusing_a_message_id_is_kept_as_its_own(inbound, anna):
    inbound(corpus.plain(body="Erste Nachricht"))
    response = inbound(corpus.plain(body="Ganz andere Nachricht"))

    assert response.status_code == 201
    assert "same Message-ID" in response.json()["problems"][0]
    assert emails().count() == 2


def test_a_reply_joins_the_thread_of_the_first_message(inbound, anna):
    inbound(corpus.plain(message_id="<first@acme.example>"))
    inbound(
        corpus.reply(
            message_id="<second@kontor.example>",
            in_reply_to="<first@acme.example>",
            references="<first@acme.example>",
            body="Gern!",
            sender="rita@kontor.example",
        )
    )
    response = inbound(
        corpus.reply(
            message_id="<third@acme.example>",
            in_reply_to="<second@kontor.example>",
            references="<first@acme.example> <second@kontor.example>",
            body="Danke",
        )
    )

    assert response.json()["thread"] == "<first@acme.example>"
    assert set(emails().values_list("thread", flat=True)) == {"<first@acme.example>"}


def test_a_reply_whose_parent_is_missing_threads_by_its_references(inbound, anna):
    response = inbound(
        corpus.reply(
            message_id="<late@acme.example>",
            in_reply_to="<unknown-parent@x>",
            references="<root@x> <unknown-parent@x>",
            body="Antwort",
        )
    )

    assert response.json()["thread"] == "<root@x>"


def test_a_reply_to_a_message_logged_through_the_api_joins_its_thread(inbound, api, anna):
    api.post(
        "/api/v1/activities",
        {"kind": "email", "contact_id": str(anna.pk), "subject": "Angebot",
         "message_id": "<sent@kontor.example>", "thread": "<sent@kontor.example>"},
    )  # fmt: skip

    response = inbound(
        corpus.reply(
            message_id="<answer@acme.example>",
            in_reply_to="<sent@kontor.example>",
            references="<sent@kontor.example>",
            body="Passt",
        )
    )

    assert response.json()["thread"] == "<sent@kontor.example>"


def test_the_preview_leaves_out_quotes_and_signature(inbound, anna):
    body = (
        "Danke, das passt so.\n\n-- \nAnna Schmidt\nACME GmbH\n\n"
        "Am 01.03.2026 um 10:00 schrieb Rita Rep:\n> Hier das Angebot.\n"
    )

    inbound(corpus.plain(body=body))

    assert emails().get().body == "Danke, das passt so."


def test_attachments_become_files_on_the_activity(inbound, anna):
    response = inbound(corpus.nested_with_inline_image_and_attachment())

    assert response.status_code == 201, response.content
    email = emails().get()
    files = {f.name: f for f in Attachment.objects.filter(activity=email)}
    assert set(files) == {"logo.png", "Angebot 2026.pdf"}
    assert files["logo.png"].content_type == "image/png"
    assert files["Angebot 2026.pdf"].file.read() == corpus.PDF
    assert email.body == "Anbei das Angebot."
    assert "cid:logo@acme" in email.body_html


def test_the_raw_message_can_be_downloaded(inbound, anna):
    raw = corpus.plain()
    message_url = inbound(raw).json()["raw_url"]

    response = inbound.client.get(message_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == raw
    assert response["Content-Type"] == "message/rfc822"


def test_a_message_one_may_not_see_is_not_found(inbound, client, anna):
    message_id = inbound(corpus.plain()).json()["id"]
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)

    # Everybody sees every contact today; a message waiting unassigned is the
    # importer's own.
    unassigned = inbound(
        corpus.plain(sender="nobody@example.org", message_id="<u@x>"), create_contacts="false"
    )

    assert client.get(f"/api/v1/mail/messages/{message_id}").status_code == 200
    assert client.get(f"/api/v1/mail/messages/{unassigned.json()['id']}").status_code == 404


def test_an_empty_body_is_a_422(inbound):
    assert inbound(b"").status_code == 422


def test_a_message_over_the_size_limit_is_a_413(inbound, settings):
    settings.KONTOR_MAIL_MAX_MESSAGE_MB = 1

    response = inbound(corpus.with_attachment(2 * 1024 * 1024))

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not InboundMessage.objects.exists()


def test_an_unknown_mailbox_is_a_422(inbound):
    response = inbound(corpus.plain(), mailbox="00000000-0000-0000-0000-000000000000")

    assert response.status_code == 422


def test_inbound_needs_authentication(client):
    response = client.post("/api/v1/mail/inbound", corpus.plain(), content_type="message/rfc822")

    assert response.status_code == 401
