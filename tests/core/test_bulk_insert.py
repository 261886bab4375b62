"""``insert_new`` writes what ``bulk_create`` would, on both databases (COPY
on PostgreSQL): defaults, ``auto_now`` values, JSON, text a COPY must
escape, and the instances marked as saved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontor.contacts.models import Contact
from kontor.core.bulk_insert import insert_new
from kontor.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

AWKWARD = 'Tab\there, line\nbreak, back\\slash, "quotes", \\N and ümlaut'


def test_it_writes_every_field_as_bulk_create_would():
    contacts = [Contact(first_name=AWKWARD, last_name=f"Nr. {n}") for n in range(3)]

    insert_new(Contact, contacts)

    stored = {c.pk: c for c in Contact.objects.all()}
    assert set(stored) == {c.pk for c in contacts}
    for contact in contacts:
        assert not contact._state.adding
        assert contact.created_at is not None
        again = stored[contact.pk]
        assert (again.first_name, again.last_name) == (AWKWARD, contact.last_name)
        assert (again.created_at, again.custom) == (contact.created_at, {})


def test_keys_the_database_makes_are_read_back_only_without_copy():
    events = [
        OutboxEvent(name="contact.created", model="contacts.Contact", record_id=str(n),
                    owners=[n], cause={"note": AWKWARD})
        for n in range(2)
    ]  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        insert_new(OutboxEvent, events)

    stored = OutboxEvent.objects.order_by("record_id")
    assert [(e.uuid, e.owners, e.cause) for e in stored] == [
        (e.uuid, e.owners, e.cause) for e in events
    ]
    copied = connection.vendor == "postgresql"
    assert [e.pk is None for e in events] == [copied, copied]
    assert len(queries) == 1  # a COPY is counted as a statement too


def test_one_record_or_none_is_an_ordinary_insert():
    insert_new(Contact, [])
    contact = Contact(first_name="Eine")

    insert_new(Contact, [contact])

    assert Contact.objects.get().first_name == "Eine"
