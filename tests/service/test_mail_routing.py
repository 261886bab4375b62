"""Email to ticket: mail to a service address opens a ticket in its queue,
whatever path it came by; replies join their ticket by number or by
threading and reopen it; what machines send never opens, reopens or
answers anything; the same message twice joins once."""

import datetime
import email
import email.policy

import pytest
from django.test import Client

from kontor.access.models import Role, Team
from kontor.accounts.services import api_token_create
from kontor.activities.models import Activity, Kind
from kontor.contacts.models import Contact
from kontor.core.exceptions import FieldErrors
from kontor.integration.models import OutgoingEmail
from kontor.mail.models import InboundMessage, Source
from kontor.mail.services import message_ingest, message_routing
from kontor.service import services
from kontor.service.models import MessageKind, ServiceAddress, Status, Ticket, TicketMessage
from kontor.sla import services as sla_services
from tests.factories import ContactFactory, UserFactory
from tests.mail.realworld.messages import POSTFIX_USER_UNKNOWN, SENT_TO_BOB
from tests.service.mail_helpers import CUSTOMER, SUPPORT, mail, own_domain, support
from tests.telephony.conftest import give_role

__all__ = ["own_domain", "support"]  # fixtures

INBOUND = "/api/v1/mail/inbound"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def poster(user):
    """POST a raw message to /api/v1/mail/inbound as ``user``."""
    _token, key = api_token_create(actor=user, user=user, name="mail")
    client = Client(headers={"Authorization": f"Bearer {key}"})

    def post(raw: bytes):
        return client.post(INBOUND, raw, content_type="message/rfc822")

    post.client = client
    return post


@pytest.fixture
def post(user):
    return poster(user)


def ingest(user, raw: bytes, **kwargs):
    return message_ingest(actor=user, raw=raw, **kwargs)


# Opening a ticket --------------------------------------------------------------------


def test_mail_to_a_service_address_opens_a_ticket_in_its_queue(post, support, contact, team):
    raw = mail(message_id="<first@mueller.example>")

    response = post(raw)

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["ticket_id"] == str(ticket.pk)
    assert (ticket.number, ticket.subject, ticket.channel) == (
        "T-000001",
        "Drucker druckt nicht",
        "email",
    )
    assert ticket.status == Status.NEW
    assert ticket.team == team
    assert ticket.contact == contact and ticket.organization_id == contact.organization_id
    assert "kein Blatt" in ticket.description
    [first] = ticket.messages.all()
    assert first.kind == MessageKind.INBOUND and first.author is None
    assert first.sender == CUSTOMER and first.message_id == "<first@mueller.example>"
    assert str(first.inbound_email_id) == body["id"]
    assert post.client.get(f"/api/v1/mail/messages/{body['id']}").json()["ticket_id"] == str(
        ticket.pk
    )
    # Email capture did its part as before: the email is on the contact's timeline.
    assert Activity.objects.filter(kind=Kind.EMAIL, contact=contact).count() == 1


def test_a_ticket_from_mail_gets_the_service_addresses_sla_policy(user, support, contact):
    calendar = sla_services.calendar_create(
        actor=user,
        data={"name": "Always", "time_zone": "Europe/Berlin",
              "hours": {day: [["00:00", "24:00"]] for day in WEEKDAYS}},
    )  # fmt: skip
    policy = sla_services.policy_create(
        actor=user,
        data={"name": "Premium", "calendar_id": calendar.pk,
              "targets": {"normal": {"first_response_minutes": 30, "resolution_minutes": 240}}},
    )  # fmt: skip
    support.sla_policy = policy
    support.save()

    ingest(user, mail(message_id="<sla@mueller.example>"))

    ticket = Ticket.objects.get()
    assert ticket.sla_policy == policy
    assert ticket.first_response_due_at == ticket.created_at + datetime.timedelta(minutes=30)
    assert ticket.resolution_due_at == ticket.created_at + datetime.timedelta(minutes=240)


@pytest.mark.parametrize(
    "recipients",
    [
        {"to": "Kundendienst <support@kontor.example>"},
        {"to": "anna@kontor.example", "cc": SUPPORT},
        {"to": "team-alias@kontor.example", "headers": {"Delivered-To": SUPPORT}},
    ],
    ids=["to", "cc", "delivered-to"],
)
def test_the_service_address_counts_in_to_cc_and_delivered_to(user, support, contact, recipients):
    result = ingest(user, mail(**recipients))

    assert result.routed["ticket_id"] == Ticket.objects.get().pk


def test_service_addresses_match_whatever_the_case(user, team, contact, api):
    response = api.post(
        "/api/v1/service-addresses", {"address": "Support@Kontor.Example", "team_id": str(team.pk)}
    )
    assert response.json()["address"] == SUPPORT

    result = ingest(user, mail(to="SUPPORT@KONTOR.EXAMPLE"))

    assert Ticket.objects.get().pk == result.routed["ticket_id"]


def test_mail_to_no_service_address_opens_no_ticket(post, support, contact):
    response = post(mail(to="anna@kontor.example"))

    assert response.status_code == 201
    assert response.json()["ticket_id"] is None
    assert not Ticket.objects.exists()


def test_the_first_matching_address_names_the_queue(user, support, contact):
    billing_team = Team.objects.create(name="Abrechnung")
    ServiceAddress.objects.create(address="billing@kontor.example", team=billing_team)

    ingest(user, mail(to="billing@kontor.example", cc=SUPPORT))

    assert Ticket.objects.get().team == billing_team


def test_imap_and_upload_open_tickets_too(user, support, contact):
    ingest(user, mail(), source=Source.IMAP)
    ingest(user, mail(subject="Zweites Problem"), source=Source.UPLOAD)

    assert Ticket.objects.count() == 2


def test_an_unknown_sender_becomes_a_lead_on_the_ticket(user, support):
    result = ingest(user, mail(sender="Neu Kunde <neu@example.org>"))

    ticket = Ticket.objects.get(pk=result.routed["ticket_id"])
    contact = Contact.objects.get()
    assert ticket.contact == contact
    assert (contact.display_name, contact.lifecycle_stage) == ("Neu Kunde", "lead")
    assert ticket.messages.get().sender == "neu@example.org"


def test_without_a_contact_the_ticket_waits_for_one_before_a_reply(user, support):
    result = ingest(user, mail(sender="neu@example.org"), create_unknown_contacts=False)

    ticket = Ticket.objects.get(pk=result.routed["ticket_id"])
    assert ticket.contact is None and ticket.messages.get().sender == "neu@example.org"
    with pytest.raises(FieldErrors, match="no contact or organization"):
        services.ticket_add_message(actor=user, ticket=ticket, kind="reply", body="Wir sind da.")

    contact = ContactFactory(owner=user, emails=["neu@example.org"])
    services.ticket_update(actor=user, ticket=ticket, data={"contact_id": contact.pk})
    services.ticket_add_message(actor=user, ticket=ticket, kind="reply", body="Wir sind dran.")
    assert OutgoingEmail.objects.get().to_addresses == ["neu@example.org"]


def test_the_same_message_twice_opens_one_ticket(post, support, contact):
    raw = mail()

    first = post(raw)
    second = post(raw)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True
    assert second.json()["ticket_id"] == first.json()["ticket_id"] is not None
    assert Ticket.objects.count() == 1 and TicketMessage.objects.count() == 1


def test_a_message_id_seen_before_joins_once(user, support, contact):
    """Another copy of the message (e.g. to two service addresses, delivered
    twice with different content) does not make a second ticket."""
    ingest(user, mail(message_id="<same@mueller.example>"))

    again = ingest(user, mail(message_id="<same@mueller.example>", text="Nochmal gesendet."))

    assert not again.duplicate
    assert again.routed["ticket_id"] == Ticket.objects.get().pk
    assert TicketMessage.objects.count() == 1


def test_a_message_without_subject_or_text_opens_a_ticket(user, support, contact):
    ingest(user, mail(subject="", text=""))

    ticket = Ticket.objects.get()
    assert ticket.subject == "(no subject)"
    assert ticket.messages.get().body == "(no text)"


def test_our_own_service_address_as_sender_opens_nothing(user, support, team):
    ServiceAddress.objects.create(address="billing@kontor.example", team=team)

    ingest(user, mail(sender="billing@kontor.example"))

    assert not Ticket.objects.exists()


def test_an_importer_who_may_not_open_tickets_keeps_the_email(support, contact):
    sales = Role.objects.get(slug="sales")
    no_tickets = {**{action: "none" for action in sales.levels["*"]}, "read": "own"}
    Role.objects.create(
        slug="mail-clerk",
        name="mail clerk",
        levels={**sales.levels, "ticket": no_tickets},
        categories=sales.categories,
    )
    restricted = give_role(UserFactory(username="clerk"), "mail-clerk")

    response = poster(restricted)(mail())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket_id"] is None
    assert not Ticket.objects.exists()
    assert any("could not be passed on" in p for p in body["problems"]), body
    assert InboundMessage.objects.get().activity_id is not None  # captured as before


# Replies ---------------------------------------------------------------------------


@pytest.fixture
def opened(user, support, contact):
    result = ingest(user, mail(message_id="<opening@mueller.example>"))
    return Ticket.objects.get(pk=result.routed["ticket_id"])


def test_the_number_in_the_subject_joins_the_ticket(user, opened):
    result = ingest(user, mail(subject="Re: [T-000001] Drucker druckt nicht", text="Noch da."))

    assert result.routed["ticket_id"] == opened.pk
    assert Ticket.objects.count() == 1
    assert [m.body for m in opened.messages.all()][-1] == "Noch da."


def test_the_number_joins_even_without_a_service_address(user, opened):
    ingest(user, mail(to="anna@kontor.example", subject="AW: [t-000001] Drucker"))

    assert opened.messages.count() == 2


def test_a_stranger_naming_the_number_opens_a_ticket_of_their_own(user, opened):
    result = ingest(user, mail(sender="fremd@example.org", subject="Re: [T-000001] Drucker"))

    assert result.routed["ticket_id"] != opened.pk
    assert opened.messages.count() == 1
    ingest(user, mail(sender="fremd@example.org", to="anna@kontor.example",
                      subject="[T-000001] Drucker"))  # fmt: skip
    assert opened.messages.count() == 1


def test_an_earlier_sender_naming_the_number_joins(user, support):
    ingest(user, mail(sender="neu@example.org"), create_unknown_contacts=False)

    ingest(user, mail(sender="neu@example.org", subject="[T-000001]"),
           create_unknown_contacts=False)  # fmt: skip

    assert Ticket.objects.get().messages.count() == 2


def test_in_reply_to_the_customers_message_joins_the_ticket(user, opened):
    ingest(user, mail(subject="Nachtrag", in_reply_to="<opening@mueller.example>"))

    assert Ticket.objects.count() == 1
    assert opened.messages.count() == 2
    assert opened.messages.last().in_reply_to == "<opening@mueller.example>"


def test_references_to_the_agents_reply_join_the_ticket(user, opened):
    reply = services.ticket_add_message(actor=user, ticket=opened, kind="reply", body="Neustart?")
    assert reply.message_id  # the emailed reply's Message-ID is recorded

    ingest(user, mail(subject="Antwort", references=f"<other@x.example> {reply.message_id}"))

    assert Ticket.objects.count() == 1
    assert [m.kind for m in opened.messages.all()] == ["inbound", "reply", "inbound"]


def test_a_reply_reopens_a_resolved_ticket(user, opened):
    services.ticket_update(actor=user, ticket=opened, data={"status": "resolved"})

    ingest(user, mail(subject="Re: [T-000001] Drucker", text="Geht doch wieder nicht."))

    opened.refresh_from_db()
    assert opened.status == Status.OPEN and opened.resolved_at is None


def test_a_reply_ends_the_pause_of_a_pending_ticket(user, opened):
    services.ticket_update(actor=user, ticket=opened, data={"status": "pending"})
    assert opened.paused_since is not None

    ingest(user, mail(in_reply_to="<opening@mueller.example>"))

    opened.refresh_from_db()
    assert opened.status == Status.OPEN and opened.paused_since is None


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(user, opened):
    services.ticket_close(actor=user, ticket=opened)

    result = ingest(user, mail(subject="Re: [T-000001] Drucker", text="Schon wieder."))

    follow_up = Ticket.objects.get(pk=result.routed["ticket_id"])
    assert follow_up.number == "T-000002" and follow_up.description.startswith("↩ T-000001")
    opened.refresh_from_db()
    assert opened.status == Status.CLOSED and opened.messages.count() == 1


# Machines ---------------------------------------------------------------------------


AUTOMATIC = {
    "auto-replied": {"Auto-Submitted": "auto-replied"},
    "auto-generated": {"Auto-Submitted": "auto-generated"},
    "bulk": {"Precedence": "bulk"},
    "junk": {"Precedence": "junk"},
    "list": {"Precedence": "list"},
    "x-autoreply": {"X-Autoreply": "yes"},
    "x-autorespond": {"X-Autorespond": "Out of office"},
}


@pytest.mark.parametrize("headers", AUTOMATIC.values(), ids=AUTOMATIC.keys())
def test_what_machines_send_opens_no_ticket_and_gets_no_answer(user, support, contact, headers):
    result = ingest(user, mail(subject="Abwesenheitsnotiz", headers=headers))

    assert result.routed == {}
    assert not Ticket.objects.exists()
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example", "postmaster@mueller.example"])
def test_mail_from_the_mail_system_opens_no_ticket(user, support, sender):
    ingest(user, mail(sender=sender, subject="Mail delivery failed"))

    assert not Ticket.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_auto_submitted_no_is_a_person(user, support, contact):
    ingest(user, mail(headers={"Auto-Submitted": "no"}))

    assert Ticket.objects.count() == 1


def test_an_out_of_office_answer_to_a_reply_is_a_note_and_reopens_nothing(user, opened):
    reply = services.ticket_add_message(actor=user, ticket=opened, kind="reply", body="Gelöst.")
    services.ticket_update(actor=user, ticket=opened, data={"status": "resolved"})
    sent = OutgoingEmail.objects.count()

    ingest(
        user,
        mail(
            sender="Sabine Koch <vertretung@mueller.example>",
            subject="Abwesend: [T-000001] Drucker",
            in_reply_to=reply.message_id,
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        ),
    )

    opened.refresh_from_db()
    assert opened.status == Status.RESOLVED
    note = opened.messages.last()
    assert note.kind == MessageKind.NOTE
    assert note.body.startswith("Auto-Submitted: auto-replied")
    assert OutgoingEmail.objects.count() == sent
    # The next reply still goes to the customer, not to the auto-responder.
    services.ticket_add_message(actor=user, ticket=opened, kind="reply", body="Noch etwas?")
    assert OutgoingEmail.objects.last().to_addresses == [CUSTOMER]


def test_a_bounce_of_a_reply_lands_on_its_ticket_not_on_a_new_one(user, team, opened):
    ServiceAddress.objects.create(address="vertrieb@kontor.example", team=team)  # the bounce's To
    reply = services.ticket_add_message(actor=user, ticket=opened, kind="reply", body="Neustart?")
    TicketMessage.objects.filter(pk=reply.pk).update(message_id=SENT_TO_BOB)

    result = ingest(user, POSTFIX_USER_UNKNOWN)

    assert result.message.kind == "delivery_report"
    assert result.routed["ticket_id"] == opened.pk
    assert Ticket.objects.count() == 1
    note = opened.messages.last()
    assert note.kind == MessageKind.NOTE and "Undelivered Mail" in note.body
    assert note.inbound_email_id == result.message.pk


# The agent's reply by email ---------------------------------------------------------------


def test_the_reply_comes_from_the_queue_and_answers_the_last_message(user, opened):
    ingest(user, mail(subject="Nachtrag", in_reply_to="<opening@mueller.example>",
                      message_id="<second@mueller.example>"))  # fmt: skip

    services.ticket_add_message(actor=user, ticket=opened, kind="reply", body="Bitte neu starten.")

    outgoing = OutgoingEmail.objects.get()
    sent = email.message_from_bytes(bytes(outgoing.raw), policy=email.policy.default)
    assert sent["Subject"] == "[T-000001] Drucker druckt nicht"
    assert sent["From"] == SUPPORT
    assert sent["To"] == CUSTOMER
    assert sent["In-Reply-To"] == "<second@mueller.example>"
    assert sent["References"].split() == ["<opening@mueller.example>", "<second@mueller.example>"]
    assert opened.messages.get(kind="reply").message_id == sent["Message-ID"]


def test_a_queue_without_a_service_address_replies_from_the_default_sender(user, contact, settings):
    settings.DEFAULT_FROM_EMAIL = "kontor@kontor.example"
    ticket = services.ticket_create(
        actor=user, data={"subject": "Telefonat", "contact_id": contact.pk}
    )

    services.ticket_add_message(actor=user, ticket=ticket, kind="reply", body="Wie besprochen.")

    outgoing = OutgoingEmail.objects.get()
    assert outgoing.from_address == "kontor@kontor.example"
    assert b"In-Reply-To" not in bytes(outgoing.raw)


def test_the_ticket_id_is_told_only_to_who_may_see_the_ticket(post, support, contact):
    body = post(mail()).json()
    message = InboundMessage.objects.get(pk=body["id"])
    outsider = give_role(UserFactory(username="outsider"), "sales")  # in no team

    assert message_routing(actor=outsider, message=message) == {}
    assert message_routing(actor=message.imported_by, message=message) == {
        "ticket_id": Ticket.objects.get().pk
    }
    [item] = post.client.get(f"/api/v1/tickets/{body['ticket_id']}/messages").json()["items"]
    assert item["inbound_email_id"] == body["id"]


def test_the_ticket_page_links_the_received_email(client, user, support, contact):
    raw = mail(message_id="<page@mueller.example>")
    result = ingest(user, raw)
    ticket = Ticket.objects.get(pk=result.routed["ticket_id"])
    client.force_login(user)

    page = client.get(ticket.get_absolute_url()).content.decode()

    link = f"/mail/messages/{result.message.pk}/raw/"
    assert 'data-testid="ticket-message-email"' in page and link in page
    assert b"".join(client.get(link).streaming_content) == raw
