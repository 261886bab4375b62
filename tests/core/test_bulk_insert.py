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


def _postgresql():
    """A PostgreSQL connection's conversions (never connected): what
    ``bulk_create`` binds there, whichever database the test runs on."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    return DatabaseWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.postgresql"})


def _bound(value):
    """What a COPY sends for a value: psycopg's text form of it (``1`` and
    Django's ``Int4(1)`` are both ``1``; JSON is compared by its text)."""
    from psycopg.adapt import PyFormat, Transformer

    if value is None:
        return None
    return bytes(Transformer().get_dumper(value, PyFormat.TEXT).dump(value))


def _imported_records(user, monkeypatch) -> list[tuple[type, list]]:
    """The records an import of a German customer list hands to
    ``insert_new``: organizations, contacts, their addresses and numbers,
    search rows, audit entries and events."""
    import csv
    import io

    from kontor.core import bulk_insert
    from kontor.imports import services

    handed: list[tuple[type, list]] = []
    insert, insert_values = bulk_insert.insert_new, bulk_insert.insert_values

    def recording(model, records):
        handed.append((model, list(records)))
        insert(model, records)

    def recording_values(model, rows):
        handed.append((model, [dict(row) for row in rows]))
        insert_values(model, rows)

    for module in ("kontor.contacts.services", "kontor.contacts.search", "kontor.audit.services",
                   "kontor.events.outbox"):  # fmt: skip
        monkeypatch.setattr(f"{module}.insert_new", recording, raising=False)
        monkeypatch.setattr(f"{module}.insert_values", recording_values, raising=False)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["Vorname", "Nachname", "E-Mail", "Telefon", "Mobil", "Firma", "Notiz"])
    for n in range(4):
        writer.writerow(["Jürgen", f"Müller {n}", f"j.müller{n}@Bücher.example",
                         f"030 {2000000 + n}", f"0171 {3000000 + n}", f"Bäckerei {n % 2} GmbH",
                         'Kunde – „Stammkunde“, back\\slash, \\N'])  # fmt: skip
    content = text.getvalue().encode()
    done = services.import_run(
        services.import_create(
            actor=user, upload=io.BytesIO(content), filename="p.csv", record_type="contacts"
        )
    )
    assert (done.created, done.rejected) == (4, 0), list(done.rejected_rows.values("reason"))
    return handed


def test_a_copy_row_is_what_bulk_create_binds_for_each_record_an_import_writes(user, monkeypatch):
    from kontor.audit.models import AuditEntry
    from kontor.contacts.models import ContactSearch, EmailAddress, Organization, PhoneNumber
    from kontor.core.bulk_insert import _copied_fields, _set_on_save, _value, copy_row_maker

    handed = _imported_records(user, monkeypatch)
    postgresql = _postgresql()

    models = {model for model, _records in handed}
    assert {Contact, Organization, EmailAddress, PhoneNumber, ContactSearch, AuditEntry,
            OutboxEvent} <= models  # fmt: skip
    for model, records in handed:
        if records and isinstance(records[0], dict):
            _assert_values_rows_are_what_bulk_create_binds(model, records, postgresql)
            continue
        row_of = copy_row_maker(model)
        fields = _copied_fields(model)
        for record in records:
            row = row_of(record, postgresql)
            # ``auto_now`` values are set on the record as the row is made
            # (and again by ``pre_save`` below): the row holds the first
            now = {f.name: getattr(record, f.attname) for f in fields if _set_on_save(f)}
            bound = [_value(field, record, postgresql) for field in fields]
            for field, copied, expected in zip(fields, row, bound, strict=True):
                if field.name in now:
                    assert copied == now[field.name], (model, field.name)
                    continue
                assert _bound(copied) == _bound(expected), (model, field.name)


def _assert_values_rows_are_what_bulk_create_binds(model, rows, postgresql):
    """A COPY row of ``insert_values`` binds what ``bulk_create`` binds for
    the instance made of the same values: every value named, and the
    defaults of the others (but those made anew each time: keys, times)."""
    from kontor.core.bulk_insert import _copied_fields, _set_on_save, _value, values_row_maker

    row_of = values_row_maker(model)
    fields = _copied_fields(model)
    for values in rows:
        record = model(**values)
        for field, copied in zip(fields, row_of(values, postgresql), strict=True):
            made_anew = field.has_default() and callable(field.default)
            made_anew = made_anew and field.default not in (list, dict)
            if field.attname not in values and (_set_on_save(field) or made_anew):
                assert copied is not None, (model, field.name)
                continue
            expected = _value(field, record, postgresql)
            assert _bound(copied) == _bound(expected), (model, field.name)


def test_values_django_would_convert_are_converted_in_a_copy_row():
    import datetime
    import uuid

    from kontor.core.bulk_insert import _copied_fields, _value, copy_row_maker

    contact = Contact(
        first_name=123,  # made text
        version=True,  # made a number
        archived_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        organization_id=str(uuid.uuid4()),  # made a UUID
        custom={"umsatz": 1},
    )

    postgresql = _postgresql()

    row = copy_row_maker(Contact)(contact, postgresql)

    for field, value in zip(_copied_fields(Contact), row, strict=True):
        if field.name in ("created_at", "updated_at"):
            continue
        expected = _value(field, contact, postgresql)
        assert _bound(value) == _bound(expected), field.name


def test_values_are_written_as_instances_of_them_would_be():
    from kontor.core.bulk_insert import insert_values

    rows = [
        {"name": "contact.created", "model": "contacts.Contact", "record_id": str(n),
         "cause": {"note": AWKWARD}}
        for n in range(3)
    ]  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        insert_values(OutboxEvent, rows)

    stored = list(OutboxEvent.objects.order_by("record_id"))
    assert [(e.name, e.model, e.record_id, e.cause, e.owners) for e in stored] == [
        ("contact.created", "contacts.Contact", str(n), {"note": AWKWARD}, []) for n in range(3)
    ]
    assert len({e.uuid for e in stored}) == 3  # each its own default
    assert all(e.occurred_at is not None and e.dispatched_at is None for e in stored)
    assert len(queries) == 1


def test_values_naming_no_attribute_are_refused():
    from kontor.core.bulk_insert import insert_values

    with pytest.raises(ValueError, match="record"):
        insert_values(OutboxEvent, [{"record": "1"}, {"record": "2"}])
    assert not OutboxEvent.objects.exists()
