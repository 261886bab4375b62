"""An import's batches in two processes (PostgreSQL outside a
transaction; elsewhere one process runs them, and the tests hold the same
results): each batch written once with its record, every row audited and
announced, an organization two batches name made once, and a process
killed in the middle of a batch leaves nothing of it."""

import io
from concurrent.futures.process import BrokenProcessPool

import pytest
from django.db import IntegrityError, connection

from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact, Organization
from kontor.events.models import OutboxEvent
from kontor.imports import services
from kontor.imports.models import Import, ImportBatch
from tests.imports import dying


def _file(count: int) -> bytes:
    rows = ["Vorname;Nachname;E-Mail;Firma"]
    for n in range(count):
        email = "kaputt" if n == 5 else f"p{n}@example.org"
        # Every batch names the new "Neue Bäckerei GmbH", each in its own case.
        company = ("Neue Bäckerei GmbH", "NEUE BÄCKEREI GMBH", "neue bäckerei gmbh")[n % 3]
        rows.append(f"P{n};Person;{email};{company if n % 2 else f'Firma {n // 10}'}")
    return ("\n".join(rows) + "\n").encode()


def _start(user, count: int) -> Import:
    return services.import_create(
        actor=user, upload=io.BytesIO(_file(count)), filename="p.csv", record_type="contacts"
    )


def _neue_baeckerei() -> list[Organization]:
    """The organizations named "Neue Bäckerei GmbH" whatever the case
    (SQLite compares only ASCII letters without their case)."""
    return [o for o in Organization.objects.all() if o.name.casefold() == "neue bäckerei gmbh"]


def _contacts_by_row() -> list[str]:
    return sorted(Contact.objects.values_list("first_name", flat=True))


def test_two_processes_write_each_row_once_with_its_audit_entry_and_event(
    transactional_db, user, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    in_processes = []
    real = services._run_in_processes

    def recording(runner, processes, *args):
        in_processes.append(processes)
        real(runner, processes, *args)

    monkeypatch.setattr(services, "_run_in_processes", recording)

    done = services.import_run(_start(user, 40), processes=2)

    assert in_processes == ([2] if connection.vendor == "postgresql" else [])
    assert (done.status, done.rows_done, done.created, done.rejected) == ("done", 40, 39, 1)
    assert _contacts_by_row() == sorted(f"P{n}" for n in range(40) if n != 5)
    assert list(ImportBatch.objects.values_list("first_row", "last_row")) == [
        (1, 10), (11, 20), (21, 30), (31, 40)
    ]  # fmt: skip
    # One organization however many batches and cases name it.
    [neue] = _neue_baeckerei()
    assert Organization.objects.count() == 1 + 4
    assert Contact.objects.filter(organization=neue).count() == 19  # the 20th is rejected
    created = set(map(str, Contact.objects.values_list("pk", flat=True)))
    audited = AuditEntry.objects.filter(object_type="contact", action="create")
    assert set(audited.values_list("object_id", flat=True)) == created
    assert audited.count() == 39
    events = OutboxEvent.objects.filter(name="contact.created")
    assert sorted(events.values_list("record_id", flat=True)) == sorted(created)


def test_a_process_killed_in_a_batch_leaves_none_of_it_and_the_import_resumes(
    transactional_db, user, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    monkeypatch.setattr(services, "IN_OTHER_PROCESS", (dying.__name__, "die_in_a_batch"))
    if connection.vendor != "postgresql":  # one process: the batch dies in this one
        write = services._Batch.flush

        def flush_and_die(batch):
            first = batch.pending[0][0] if batch.pending else None
            write(batch)
            if first == dying.KILLED_IN:
                raise SystemExit("killed")

        monkeypatch.setattr(services._Batch, "flush", flush_and_die)
    data_import = _start(user, 40)

    killed_by = BrokenProcessPool if connection.vendor == "postgresql" else SystemExit
    with pytest.raises(killed_by):
        services.import_run(data_import, processes=2)

    written = list(ImportBatch.objects.values_list("first_row", "last_row"))
    assert (11, 20) not in written
    assert not Contact.objects.filter(first_name__in=[f"P{n}" for n in range(10, 20)]).exists()
    killed = Import.objects.get(pk=data_import.pk)
    assert killed.rows_done == 10 * len(written)
    assert killed.created + killed.rejected == killed.rows_done
    assert Contact.objects.count() == killed.created

    monkeypatch.undo()
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    resumed = services.import_run(killed, processes=2)

    assert (resumed.status, resumed.rows_done, resumed.created, resumed.rejected) == (
        "done", 40, 39, 1
    )  # fmt: skip
    assert _contacts_by_row() == sorted(f"P{n}" for n in range(40) if n != 5)
    assert ImportBatch.objects.count() == 4
    assert len(_neue_baeckerei()) == 1
    assert AuditEntry.objects.filter(object_type="contact", action="create").count() == 39


def test_a_batch_run_a_second_time_is_refused_and_writes_nothing(user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    data_import = _start(user, 10)
    services.import_run(data_import, batch_limit=1)
    rows = next(iter([[(n, row) for n, row in enumerate(_rows(data_import), start=1)]]))

    with pytest.raises(IntegrityError):
        services._run_batch(services._Runner(data_import), rows)

    assert Contact.objects.count() == 9
    assert Import.objects.get(pk=data_import.pk).rows_done == 10


def _rows(data_import):
    from kontor.imports import readers

    return readers.rows(services._opener(data_import), services._shape(data_import))
