"""The ticket services: numbers, status transitions and the clock's
pauses, replies and notes, bulk actions, audit and events."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from kontor.audit.models import AuditEntry
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict
from kontor.events.models import OutboxEvent
from kontor.events.outbox import events_of
from kontor.integration.models import OutgoingEmail
from kontor.service import services
from kontor.service.models import Ticket
from kontor.service.numbering import format_number
from tests.factories import UserFactory


def _names(ticket):
    return [e.name for e in events_of(ticket)]


def test_a_new_ticket_gets_the_next_number_and_is_audited(user, contact, organization, team):
    first = services.ticket_create(actor=user, data={"subject": "Eins"})
    second = services.ticket_create(
        actor=user, data={"subject": "Zwei", "contact_id": contact.pk, "team_id": team.pk}
    )

    assert (first.number, second.number) == ("T-000001", "T-000002")
    assert second.status == "new" and second.priority == "normal"
    # A contact alone brings its organization along.
    assert second.organization_id == organization.pk
    assert second.created_by == user
    assert _names(second) == ["ticket.created"]
    entry = AuditEntry.objects.get(object_type="ticket", object_id=str(second.pk))
    assert entry.changes["number"] == [None, "T-000002"]


def test_a_rolled_back_ticket_gives_its_number_back(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_create(actor=user, data={"subject": "Weg"})
        raise RuntimeError("the caller fails after the ticket was made")
    assert services.ticket_create(actor=user, data={"subject": "Da"}).number == format_number(1)


def test_bad_input_names_every_field(user):
    with pytest.raises(FieldErrors) as error:
        services.ticket_create(
            actor=user,
            data={"subject": " ", "priority": "asap", "status": "done", "contact_id": "x",
                  "team_id": "00000000-0000-0000-0000-000000000000", "assignee_id": 10**9,
                  "resolution_due_at": "tomorrow"},
        )  # fmt: skip
    assert set(error.value.errors) == {
        "subject", "priority", "status", "contact_id", "team_id", "assignee_id",
        "resolution_due_at",
    }  # fmt: skip
    assert not Ticket.objects.exists()


def test_pending_pauses_the_clock_and_moves_unmet_due_times_later(user, ticket):
    now = timezone.now()
    due = now + datetime.timedelta(hours=8)
    services.ticket_update(
        actor=user, ticket=ticket, data={"resolution_due_at": due.isoformat(), "status": "open"}
    )
    services.ticket_update(actor=user, ticket=ticket, data={"status": "pending"})
    assert ticket.paused_since is not None
    # Two hours waiting for the customer.
    Ticket.objects.filter(pk=ticket.pk).update(
        paused_since=ticket.paused_since - datetime.timedelta(hours=2)
    )
    ticket.refresh_from_db()

    services.ticket_update(actor=user, ticket=ticket, data={"status": "open"})

    ticket.refresh_from_db()
    assert ticket.paused_since is None
    assert ticket.paused_minutes >= 120
    assert ticket.resolution_due_at - due >= datetime.timedelta(hours=2)


def test_resolving_stamps_the_time_and_reopening_clears_it(user, ticket):
    services.ticket_update(actor=user, ticket=ticket, data={"status": "resolved"})
    assert ticket.resolved_at is not None
    assert "ticket.status_changed" in _names(ticket)

    services.ticket_update(actor=user, ticket=ticket, data={"status": "open"})
    assert ticket.resolved_at is None and ticket.closed_at is None

    services.ticket_close(actor=user, ticket=ticket)
    assert ticket.status == "closed" and ticket.closed_at and ticket.resolved_at


def test_resolving_late_marks_the_ticket_breached(user, ticket):
    past = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    services.ticket_update(actor=user, ticket=ticket, data={"resolution_due_at": past})
    assert not ticket.breached
    services.ticket_update(actor=user, ticket=ticket, data={"status": "resolved"})
    assert ticket.breached


def test_a_change_with_a_stale_version_is_refused(user, ticket):
    services.ticket_update(actor=user, ticket=ticket, data={"priority": "high"})
    stale = Ticket.objects.get(pk=ticket.pk)
    stale.version = 1
    with pytest.raises(VersionConflict):
        services.ticket_update(
            actor=user, ticket=stale, data={"priority": "low"}, expected_version=1
        )


def test_a_change_that_changes_nothing_writes_nothing(user, ticket):
    services.ticket_update(actor=user, ticket=ticket, data={"subject": ticket.subject})
    assert ticket.version == 1
    assert _names(ticket) == ["ticket.created"]


def test_the_first_reply_is_emailed_with_the_number_and_opens_the_ticket(user, ticket):
    message = services.ticket_add_message(
        actor=user, ticket=ticket, kind="reply", body="Bitte starten Sie ihn neu."
    )

    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_responded_at is not None
    email = OutgoingEmail.objects.get(pk=message.email_id)
    assert email.subject == f"[{ticket.number}] Drucker druckt nicht"
    assert email.to_addresses == ["s.koch@mueller.example"]
    assert message.message_id == email.message_id
    assert _names(ticket)[-1] == "ticket.message_added"
    assert "ticket.status_changed" in _names(ticket)

    first = ticket.first_responded_at
    services.ticket_add_message(actor=user, ticket=ticket, kind="reply", body="Und?")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first


def test_a_note_stays_internal(user, ticket):
    message = services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Intern")
    ticket.refresh_from_db()
    assert message.email_id is None
    assert not OutgoingEmail.objects.exists()
    assert ticket.first_responded_at is None and ticket.status == "new"


def test_a_reply_needs_an_address_to_go_to(user):
    ticket = services.ticket_create(actor=user, data={"subject": "Anruf"})
    with pytest.raises(FieldErrors) as error:
        services.ticket_add_message(actor=user, ticket=ticket, kind="reply", body="Hallo")
    assert "kind" in error.value.errors
    with pytest.raises(FieldErrors):
        services.ticket_add_message(actor=user, ticket=ticket, kind="note", body=" ")


def test_a_customer_message_reopens_a_resolved_ticket(user, ticket):
    services.ticket_update(actor=user, ticket=ticket, data={"status": "resolved"})
    services.ticket_add_message(
        actor=user, ticket=ticket, kind="inbound", body="Geht wieder nicht",
        sender="s.koch@mueller.example", message_id="<abc@mueller.example>",
    )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert ticket.messages.get(kind="inbound").author is None


def test_bulk_assign_and_close_change_what_the_actor_may_change(user, team):
    agent = UserFactory(username="agent", roles=["service"])
    tickets = [services.ticket_create(actor=user, data={"subject": f"T{i}"}) for i in range(3)]

    changed, refused = services.tickets_assign(actor=user, tickets=tickets, assignee=agent.pk)
    assert len(changed) == 3 and not refused
    assert {t.assignee_id for t in Ticket.objects.all()} == {agent.pk}
    assert all("ticket.assigned" in _names(t) for t in tickets)

    changed, refused = services.tickets_close(actor=user, tickets=tickets)
    assert len(changed) == 3
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}


def test_a_sales_person_may_not_delete_a_ticket(user, team):
    seller = UserFactory(username="seller", roles=["sales"], teams=["Support"])
    ticket = services.ticket_create(actor=seller, data={"subject": "Rückfrage"})
    with pytest.raises(PermissionDenied):
        services.ticket_delete(actor=seller, ticket=ticket)
    pk = ticket.pk
    services.ticket_delete(actor=user, ticket=ticket)
    assert not Ticket.objects.exists()
    assert OutboxEvent.objects.filter(record_id=str(pk)).latest("id").name == "ticket.deleted"


def test_erasing_a_person_empties_their_tickets_but_keeps_the_numbers(user, ticket, contact):
    services.ticket_add_message(actor=user, ticket=ticket, kind="note", body="Frau Koch sagt …")
    other = services.ticket_create(actor=user, data={"subject": "Jemand anderes"})

    assert services.ticket_erase_person(actor=user, contact=contact) == 1

    ticket.refresh_from_db()
    assert ticket.number == "T-000001" and ticket.subject == "—"
    assert ticket.contact_id is None and not ticket.messages.exists()
    assert Ticket.objects.get(pk=other.pk).subject == "Jemand anderes"
    assert AuditEntry.objects.filter(object_id=str(ticket.pk), action="erase").exists()
