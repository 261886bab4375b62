"""The transactional outbox (kontor.events.outbox): an event is written in
the same transaction as the change, dispatched to every consumer once, and
never skipped because a lower id committed late."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from kontor.contacts.services import contact_create, contact_delete, contact_update
from kontor.events import dispatch, outbox
from kontor.events.catalogue import event_types
from kontor.events.models import OutboxEvent
from kontor.tasks.models import Job
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(monkeypatch):
    """A consumer that notes what it was handed."""
    seen: list[list[str]] = []
    monkeypatch.setattr(dispatch, "_CONSUMERS", ["tests.events.test_outbox.note"])
    monkeypatch.setattr(
        "tests.events.test_outbox.note", lambda events: seen.append([e.name for e in events])
    )
    return seen


def note(events):  # replaced by the fixture
    raise AssertionError("the fixture replaces this consumer")


def test_a_write_and_its_event_are_one_transaction(user):
    contact = contact_create(actor=user, data={"first_name": "Ada"})
    assert [e.name for e in outbox.events_of(contact)] == ["contact.created"]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        contact_update(actor=user, contact=contact, data={"last_name": "Lovelace"})
        raise Boom
    assert [e.name for e in outbox.events_of(contact)] == ["contact.created"]


def test_a_write_that_changes_nothing_emits_nothing(user):
    contact = contact_create(actor=user, data={"first_name": "Ada"})
    contact_update(actor=user, contact=contact, data={"first_name": "Ada"})
    assert outbox.events_of(contact).count() == 1


def test_a_deleted_record_keeps_its_owners_in_the_event(user):
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    pk = contact.pk
    contact_delete(actor=user, contact=contact)
    event = OutboxEvent.objects.get(name="contact.deleted")
    assert event.record_id == str(pk)
    assert event.owners == [owner.pk]


def test_an_unknown_event_name_fails_loudly(user):
    contact = ContactFactory()
    with pytest.raises(LookupError):
        outbox.emit("contact.exploded", contact)


def test_the_catalogue_knows_record_changes_and_declared_events():
    names = set(event_types())
    assert {"contact.created", "organization.deleted", "activity.created"} <= names
    assert {"call.started", "call.ended", "email.received", "contact.archived"} <= names


def test_dispatch_hands_each_event_to_the_consumers_once(user, received):
    ContactFactory()
    ContactFactory()
    assert dispatch.dispatch_pending() == 2
    assert received == [["contact.created", "contact.created"]]
    assert dispatch.dispatch_pending() == 0
    assert dispatch.pending_count() == 0


def test_an_event_with_a_lower_id_that_committed_late_is_not_skipped(user, received):
    early, late = ContactFactory(), ContactFactory()
    # The later id was dispatched first, as when the earlier transaction
    # committed after it: marking, not a watermark, still finds the earlier.
    OutboxEvent.objects.filter(record_id=str(late.pk)).update(dispatched_at=timezone.now())
    assert dispatch.dispatch_pending() == 1
    assert OutboxEvent.objects.get(record_id=str(early.pk)).dispatched_at is not None


def test_a_consumer_that_fails_leaves_the_batch_undispatched(user, monkeypatch):
    monkeypatch.setattr(dispatch, "_CONSUMERS", ["tests.events.test_outbox.note"])
    ContactFactory()
    with pytest.raises(AssertionError):
        dispatch.dispatch_pending()
    assert dispatch.pending_count() == 1


def test_a_commit_with_events_queues_the_dispatcher_once(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        contact_create(actor=user, data={"first_name": "One"})
        contact_create(actor=user, data={"first_name": "Two"})
    with django_capture_on_commit_callbacks(execute=True):
        contact_create(actor=user, data={"first_name": "Three"})
    # The second commit finds the first dispatcher still waiting.
    assert list(Job.objects.values_list("pending_key", flat=True)) == ["events.dispatch"]


def test_pruning_deletes_only_old_dispatched_events(user, settings):
    settings.KONTOR_OUTBOX_RETENTION_DAYS = 7
    old, recent, pending = ContactFactory(), ContactFactory(), ContactFactory()
    now = timezone.now()
    OutboxEvent.objects.filter(record_id=str(old.pk)).update(
        dispatched_at=now - datetime.timedelta(days=8)
    )
    OutboxEvent.objects.filter(record_id=str(recent.pk)).update(
        dispatched_at=now - datetime.timedelta(days=6)
    )
    assert dispatch.prune_dispatched(now) == 1
    left = set(OutboxEvent.objects.values_list("record_id", flat=True))
    assert left == {str(recent.pk), str(pending.pk)}
