"""Batches, resuming after a kill, dry runs and the update modes."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontor.contacts.models import Contact, ContactSearch, Organization
from kontor.contacts.search import refresh_contact_search
from kontor.contacts.services import contact_create
from kontor.imports import services
from kontor.imports.models import Import, ImportStatus
from kontor.sources.models import ExternalRecord
from tests.factories import ContactFactory, OrganizationFactory, UserFactory
from tests.imports.conftest import run_import


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _people(count: int) -> bytes:
    return _csv(
        ["Vorname;Nachname;E-Mail"] + [f"P{i};Person;p{i}@example.org" for i in range(count)]
    )


def test_an_import_killed_halfway_resumes_without_duplicates(user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    content = _people(35).replace(b"p7@example.org", b"broken")
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(content), filename="people.csv", record_type="contacts"
    )

    half = services.import_run(data_import, batch_limit=2)  # then the process is killed
    assert (half.status, half.rows_done, half.created, half.rejected) == ("running", 20, 19, 1)
    assert Contact.objects.count() == 19

    resumed = services.import_run(Import.objects.get(pk=data_import.pk))

    assert (resumed.status, resumed.rows_done, resumed.rows_total) == ("done", 35, 35)
    assert (resumed.created, resumed.rejected) == (34, 1)
    assert Contact.objects.count() == 34
    assert Contact.objects.values("display_name").distinct().count() == 34
    assert resumed.rejected_rows.get().row_number == 8
    # Done, the uploaded file is deleted; the rejected rows stay for the report.
    assert not resumed.file
    assert not data_import.file.storage.exists(data_import.file.name)


def test_a_batch_that_dies_is_written_not_at_all(user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_people(15)), filename="p.csv", record_type="contacts"
    )
    real_flush = services._Batch.flush
    calls = []

    def dying_flush(batch):
        calls.append(1)
        real_flush(batch)
        if len(calls) == 2:
            raise SystemExit("killed")

    monkeypatch.setattr(services._Batch, "flush", dying_flush)
    with pytest.raises(SystemExit):
        services.import_run(data_import)
    monkeypatch.setattr(services._Batch, "flush", real_flush)
    assert Contact.objects.count() == 10

    resumed = services.import_run(Import.objects.get(pk=data_import.pk))

    assert (resumed.created, Contact.objects.count()) == (15, 15)


def test_a_dry_run_counts_and_reports_but_writes_nothing(user):
    data_import = run_import(user, "german_excel.csv", "k.csv", dry_run=True)

    assert (data_import.status, data_import.created, data_import.rejected) == ("done", 5, 2)
    assert Contact.objects.count() == 0
    assert Organization.objects.count() == 0


def test_update_by_email_updates_merges_lists_and_counts_unchanged(user):
    existing = ContactFactory(
        first_name="Jürgen", last_name="Alt", emails=[{"address": "JUERGEN@example.org"}],
        phones=[{"number": "+49 30 111111"}],
    )  # fmt: skip
    content = _csv([
        "Vorname;Nachname;E-Mail;Telefon",
        "Jürgen;Neu;juergen@example.org;+49 30 222222",
        "Jürgen;Neu;juergen@example.org;+49 30 222222",
        "Neue;Person;neu@example.org;",
        "Neue;Person;neu@example.org;+49 40 333333",
    ])  # fmt: skip

    data_import = run_import(user, content, "u.csv", update_by="email")

    assert (data_import.created, data_import.updated, data_import.unchanged) == (1, 2, 1)
    existing.refresh_from_db()
    assert existing.last_name == "Neu"
    assert sorted(p.e164 for p in existing.phones.all()) == ["+4930111111", "+4930222222"]
    assert [e.address for e in existing.emails.all()] == ["JUERGEN@example.org"]
    assert Contact.objects.count() == 2
    assert Contact.objects.get(last_name="Person").phones.get().e164 == "+4940333333"


def test_update_by_phone(user):
    existing = ContactFactory(first_name="Tel", phones=[{"number": "030 444444"}])

    data_import = run_import(
        user, _csv(["Telefon,Notiz", "+49 30 444444,angerufen"]), "t.csv", update_by="phone"
    )

    assert data_import.updated == 1
    existing.refresh_from_db()
    assert existing.notes == "angerufen"


def test_update_by_external_id_and_organizations_named_by_domain_or_external_id(user):
    acme = OrganizationFactory(name="ACME", website="https://www.acme.example")
    first = run_import(
        user,
        _csv(["ID;Vorname;Nachname;Firmen-Domain;Firma-ID", "K-1;Ada;Erst;acme.example;"]),
        "a.csv",
        columns={"Firmen-Domain": "organization_domain", "Firma-ID": "organization_external_id"},
    )
    ada = Contact.objects.get(first_name="Ada")
    assert first.created == 1 and ada.organization == acme
    assert ExternalRecord.objects.filter(source="import", external_id="K-1").get().record_id == str(
        ada.pk
    )
    ExternalRecord.objects.create(source="erp", record_type="organization", external_id="O-9",
                                  record_id=str(acme.pk), fields=[], digest="")  # fmt: skip

    second = run_import(
        user,
        _csv(["ID;Vorname;Nachname;Firma-ID", "K-1;Ada;Zweit;O-9", "K-2;Bob;Los;O-404"]),
        "b.csv",
        update_by="external_id",
        columns={"Firma-ID": "organization_external_id"},
    )

    assert (second.updated, second.created, second.rejected) == (1, 0, 1)
    ada.refresh_from_db()
    assert ada.last_name == "Zweit" and ada.organization == acme
    assert "O-404" in second.rejected_rows.get().reason


def test_organizations_are_imported_and_updated_by_email(user):
    OrganizationFactory(name="Alt GmbH", emails=[{"address": "info@alt.example"}])
    content = _csv([
        "Firma;Webseite;E-Mail;Telefon",
        "Alt GmbH & Co. KG;alt.example;info@alt.example;",
        "Neu AG;https://neu.example;info@neu.example;+49 89 123456",
        ";;;kein telefon",
    ])  # fmt: skip

    data_import = run_import(user, content, "o.csv", record_type="organizations", update_by="email")

    assert (data_import.updated, data_import.created, data_import.rejected) == (1, 1, 1)
    assert Organization.objects.get(domain="neu.example").name == "Neu AG"
    assert Organization.objects.filter(name="Alt GmbH & Co. KG").count() == 1


def test_a_sales_rep_never_updates_or_links_what_they_may_not_see(db):
    owner = UserFactory(username="other", roles=["sales"])
    rep = UserFactory(username="rep2", roles=["sales"])
    hidden = contact_create(actor=owner, data={"first_name": "Geheim", "emails": ["g@example.org"]})
    hidden_org = OrganizationFactory(name="Verborgen GmbH", owner=owner)
    content = _csv(["Vorname;E-Mail;Firma", "Neu;g@example.org;Verborgen GmbH"])

    data_import = run_import(rep, content, "r.csv", update_by="email")

    assert (data_import.created, data_import.updated) == (1, 0)
    hidden.refresh_from_db()
    assert hidden.first_name == "Geheim"
    mine = Contact.objects.get(first_name="Neu")
    assert mine.owner == rep and mine.organization != hidden_org


def test_a_user_without_the_right_to_create_may_not_import(db):
    reader = UserFactory(username="reader", roles=["read-only"])

    from kontor.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_import(reader, _people(1), "x.csv")
    assert not Import.objects.exists()


def test_a_file_that_became_unreadable_fails_the_import(user):
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_people(2)), filename="p.csv", record_type="contacts"
    )
    data_import.encoding = "ascii"
    data_import.save()
    with data_import.file.storage.open(data_import.file.name, "wb") as out:
        out.write("Vorname;Nachname;E-Mail\nÄ;Ö;x@example.org\n".encode())

    result = services.import_run(data_import)

    assert result.status == ImportStatus.FAILED
    assert "ascii" in result.error


def _queries_for(user, count: int) -> int:
    lines = ["Vorname;Nachname;E-Mail;Telefon;Firma"] + [
        f"P{i};Q{count};p{i}.{count}@example.org;+49 30 {1000000 + i};Firma {count} {i % 5}"
        for i in range(count)
    ]
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_csv(lines)), filename="q.csv", record_type="contacts"
    )
    with CaptureQueriesContext(connection) as queries:
        result = services.import_run(data_import)
    assert result.created == count
    return len(queries)


def test_a_batch_costs_a_few_queries_not_some_per_row(user):
    few, many = _queries_for(user, 20), _queries_for(user, 200)

    # SQLite splits a large INSERT by its limit of bound parameters (999):
    # a few more statements for ten times the rows (one per table and some
    # sixty rows), never one per row or near it.
    assert many - few < (200 - 20) / 10, (few, many)


def test_the_worker_goes_on_with_an_import_a_lost_worker_left_halfway(user, monkeypatch):
    from kontor.imports.tasks import import_start
    from kontor.tasks.worker import run_until_empty

    monkeypatch.setattr(services, "BATCH_SIZE", 4)
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_people(10)), filename="p.csv", record_type="contacts"
    )
    import_start(data_import)
    services.import_run(data_import, batch_limit=1)  # the first worker, lost after a batch

    run_until_empty()  # the job, run again

    data_import.refresh_from_db()
    assert (data_import.status, data_import.created, data_import.rows_done) == ("done", 10, 10)
    assert Contact.objects.count() == 10


def _search_table():
    return {
        row["contact"]: row
        for row in ContactSearch.objects.values(
            "contact", "owner", "organization_id", "organization_owner", "archived", "last_key",
            "name_key", "organization_key", "email_key", "names", "emails", "phones", "recency",
        )
    }  # fmt: skip


def test_across_batches_each_organization_is_made_once_and_rejections_keep_their_rows(
    user, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 4)
    rows = ["Vorname;Nachname;E-Mail;Telefon;Firma"]
    for n in range(11):
        email = "kaputt" if n in (3, 4, 9) else f"p{n}@müller.example"
        rows.append(f"Jürgen;Müller {n};{email};030 {2000000 + n};Bäckerei {n % 2} GmbH")
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_csv(rows)), filename="p.csv", record_type="contacts"
    )

    done = services.import_run(data_import)

    assert (done.created, done.rejected) == (8, 3)
    assert [r.row_number for r in done.rejected_rows.order_by("row_number")] == [4, 5, 10]
    assert sorted(Organization.objects.values_list("name", flat=True)) == [
        "Bäckerei 0 GmbH",
        "Bäckerei 1 GmbH",
    ]
    assert Contact.objects.filter(organization__name="Bäckerei 0 GmbH").count() == 5


def test_the_search_rows_of_imported_contacts_are_those_a_refresh_writes(user):
    content = _csv(
        ["Vorname;Nachname;E-Mail;Telefon;Mobil;Firma"]
        + [
            [
                f"Jürgen;Müller {n};J.Müller{n}@Bücher.example;030 {2000000 + n};;Bäckerei {n % 3}",
                f";Ölz {n};;+43 1 {4000000 + n};0171 {3000000 + n};",
            ][n % 2]
            for n in range(12)
        ]
    )
    services.import_run(
        services.import_create(
            actor=user, upload=io.BytesIO(content), filename="p.csv", record_type="contacts"
        )
    )
    written = _search_table()
    assert len(written) == 12

    refresh_contact_search(list(written))

    assert _search_table() == written
    row = ContactSearch.objects.get(contact__last_name="Müller 0")
    assert (row.names, row.organization_key) == ("jurgen muller 0", "backerei 0")
    assert row.emails == "j.muller0@xn--bcher-kva.example j.muller0@bucher.example"


def test_a_number_typed_alike_in_many_rows_of_a_batch_is_parsed_once_with_the_same_answer(
    user, monkeypatch
):
    import phonenumbers

    from kontor.contacts import normalization
    from kontor.contacts.models import PhoneNumber

    parsed: list[str] = []
    parse = phonenumbers.parse

    def counting(number, region=None, *args, **kwargs):
        parsed.append(number)
        return parse(number, region, *args, **kwargs)

    monkeypatch.setattr(normalization.phonenumbers, "parse", counting)
    monkeypatch.setattr(services, "BATCH_SIZE", 4)
    rows = ["Vorname;Nachname;Telefon;Mobil"]
    rows += [f"P{n};Person;030 1234560;{'0000000' if n % 2 else f'0171 {3000000 + n}'}"
             for n in range(6)]  # fmt: skip

    done = run_import(user, _csv(rows), "p.csv")

    assert (done.created, done.rejected) == (3, 3)
    assert parsed.count("030 1234560") == 2  # once in each of the two batches
    assert parsed.count("0000000") == 2
    reasons = {r.reason for r in done.rejected_rows.all()}
    with pytest.raises(normalization.InvalidContactPoint) as refused:
        normalization.normalize_phone("0000000")
    assert len(reasons) == 1
    assert str(refused.value) in reasons.pop()
    assert set(PhoneNumber.objects.filter(raw="030 1234560").values_list("e164", flat=True)) == {
        normalization.normalize_phone("030 1234560").e164
    }
    assert PhoneNumber.objects.filter(raw="030 1234560").count() == 3


def _analyzed_tables(queries) -> list[str]:
    return [
        query["sql"].split()[-1].strip('"')
        for query in queries.captured_queries
        if query["sql"].startswith("ANALYZE")
    ]


def _planned_contacts() -> float:
    """The planner's idea of how many contacts there are."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'contacts_contact'")
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contacts_contact' LIMIT 1")
        row = cursor.fetchone()
    return float(str(row[0]).split()[0]) if row else -1


def test_a_large_import_brings_the_planners_statistics_up_to_date(user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "ANALYZE_FROM", 9)
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_people(9)), filename="big.csv", record_type="contacts"
    )
    with CaptureQueriesContext(connection) as queries:
        services.import_run(data_import)

    analyzed = _analyzed_tables(queries)
    for table in (
        "contacts_contact",
        "contacts_phonenumber",
        "contacts_emailaddress",
        "contacts_contactsearch",
        "audit_auditentry",
        "events_outboxevent",
    ):
        assert analyzed.count(table) == 1, table
    assert _planned_contacts() >= 9


def test_a_small_import_or_a_dry_run_leaves_the_statistics_to_autovacuum(user, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "ANALYZE_FROM", 6)
    with CaptureQueriesContext(connection) as queries:
        run_import(user, _people(5), "small.csv")
        run_import(user, _people(9), "dry.csv", dry_run=True)

    assert _analyzed_tables(queries) == []


def test_an_organization_is_found_by_any_spelling_a_batch_gives_its_umlauts(user):
    # SQLite upper-cases only ASCII letters: "NEUE BÄCKEREI" and "Neue
    # Bäckerei" are the same name to a user, not to its UPPER().
    existing = OrganizationFactory(name="Neue Bäckerei GmbH", owner=user)
    data_import = services.import_create(
        actor=user, upload=io.BytesIO(_people(1)), filename="p.csv", record_type="contacts"
    )
    runner = services._Runner(data_import)

    runner.find_organizations_by_name(["Neue Bäckerei GmbH", "NEUE BÄCKEREI GMBH"])

    assert runner.organization_for({"name": "NEUE BÄCKEREI GMBH"}) == existing.pk
    assert Organization.objects.count() == 1
