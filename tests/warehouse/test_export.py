"""The warehouse export: the documented schema read back through DuckDB,
incremental exports that add exactly the changes, full rewrites, and the
privacy rules (works-council mode, contacts' personal data)."""

import datetime

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from kontor.activities.services import activity_update
from kontor.sales import services
from kontor.warehouse import query
from kontor.warehouse.export import export
from kontor.warehouse.models import Watermark
from kontor.warehouse.schema import DUCKDB_TYPES, tables
from tests.factories import ActivityFactory

TABLES = {
    "fact_activity", "fact_call", "fact_email", "fact_deal_stage_change", "fact_deal_snapshot",
    "fact_quote_line", "fact_order_line", "fact_invoice", "fact_ticket", "dim_date",
    "dim_organization",
    "dim_contact", "dim_product", "dim_stage", "dim_team", "dim_user",
}  # fmt: skip


def parts(folder, table):
    return sorted((folder / table).glob("part-*.parquet"))


def rows(folder, sql):
    return query.run(folder, sql)[1]


def every_value(folder):
    """Every value of every column of every part file, as text."""
    values = set()
    for path in folder.rglob("part-*.parquet"):
        for column in pq.read_table(path).to_pydict().values():
            values |= {str(v) for v in column if v is not None}
    return values


def test_the_registry_names_exactly_the_documented_tables():
    assert {spec.table for _kind, spec in tables()} == TABLES


def test_the_export_reads_back_through_duckdb_with_the_documented_schema(exported, world):
    connection = query.connect(exported)
    for _kind, spec in tables():
        described = connection.execute(f"DESCRIBE {spec.table}").fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [
            (c.name, DUCKDB_TYPES[c.type]) for c in spec.columns
        ], spec.table
    counts = dict(
        connection.execute(
            "SELECT 'activity', count(*) FROM fact_activity UNION ALL "
            "SELECT 'call', count(*) FROM fact_call UNION ALL "
            "SELECT 'email', count(*) FROM fact_email UNION ALL "
            "SELECT 'change', count(*) FROM fact_deal_stage_change UNION ALL "
            "SELECT 'snapshot', count(*) FROM fact_deal_snapshot UNION ALL "
            "SELECT 'quote_line', count(*) FROM fact_quote_line UNION ALL "
            "SELECT 'order_line', count(*) FROM fact_order_line UNION ALL "
            "SELECT 'invoice', count(*) FROM fact_invoice UNION ALL "
            "SELECT 'user', count(*) FROM dim_user UNION ALL "
            "SELECT 'team', count(*) FROM dim_team"
        ).fetchall()
    )
    # The won deal came in and was won; the open one came in.
    assert counts == {
        "activity": world["activities"], "call": 1, "email": 1, "change": 3, "snapshot": 1,
        "quote_line": 1, "order_line": 1, "invoice": 1, "user": 4, "team": 1,
    }  # fmt: skip
    snapshot = connection.execute(
        "SELECT deal_id, amount, weighted_amount, probability FROM fact_deal_snapshot"
    ).fetchone()
    assert snapshot[0] == str(world["open"].pk)
    assert snapshot[1] * snapshot[3] / 100 == snapshot[2]
    invoice = connection.execute("SELECT open_amount, due_date FROM fact_invoice").fetchone()
    assert str(invoice[0]) == "1190.00" and invoice[1] == world["invoice"].due_date
    line = connection.execute("SELECT net_amount, product_id FROM fact_order_line").fetchone()
    assert (str(line[0]), line[1]) == ("1200.00", str(world["product"].pk))
    dates = connection.execute(
        "SELECT q.document_date, o.document_date FROM fact_quote_line q, fact_order_line o"
    ).fetchone()
    assert dates == (
        timezone.localtime(world["quote"].created_at).date(),
        world["order"].order_date,
    )
    first, last = connection.execute("SELECT min(date), max(date) FROM dim_date").fetchone()
    assert first.month == first.day == 1 and (last.month, last.day) == (12, 31)


def test_an_incremental_export_adds_exactly_the_changed_rows(exported, world):
    before = len(parts(exported, "fact_activity"))
    changed = activity_update(
        actor=world["user"], activity=world["note"], data={"body": "Koch mag Tee"}
    )
    added = ActivityFactory(author=world["user"], contact=world["contact"], kind="note")
    paid = {"amount_paid": "190.00"}
    services.invoice_update(actor=world["user"], invoice=world["invoice"], data=paid)

    report = export(exported)

    newest = parts(exported, "fact_activity")[-1]
    assert len(parts(exported, "fact_activity")) == before + 1
    assert newest.name == f"part-{report.run_id}.parquet"
    assert sorted(pq.read_table(newest).column("activity_id").to_pylist()) == sorted(
        [str(changed.pk), str(added.pk)]
    )
    assert report.rows["fact_activity"] == 2 and report.rows["fact_invoice"] == 1
    for unchanged in ("fact_call", "fact_email", "fact_order_line", "dim_product"):
        assert report.rows[unchanged] == 0 and len(parts(exported, unchanged)) == 1, unchanged
    # Today's snapshot was taken by the first export of the day.
    assert report.rows["fact_deal_snapshot"] == 0
    # Readers see each record once, as it is now.
    assert rows(exported, "SELECT count(*) FROM fact_activity") == [(world["activities"] + 1,)]
    assert rows(exported, "SELECT open_amount FROM fact_invoice")[0][0] == 1000
    watermark = Watermark.objects.get(directory=str(exported), table="fact_activity")
    assert watermark.run_id == report.run_id and watermark.rows == 2


def test_a_won_deal_goes_again_with_its_changes(exported, world):
    services.deal_update(actor=world["user"], deal=world["won"], data={"amount": "15000.00"})
    report = export(exported)
    assert report.rows["fact_deal_stage_change"] == 2
    amounts = rows(exported, "SELECT deal_id, deal_amount FROM fact_deal_stage_change")
    assert {amount for deal, amount in amounts if deal == str(world["won"].pk)} == {15000}


def test_a_full_export_rewrites_every_table(exported, world):
    ActivityFactory(author=world["user"], contact=world["contact"])
    export(exported)
    assert len(parts(exported, "fact_activity")) == 2

    report = export(exported, full=True)

    for table in TABLES - {"fact_deal_snapshot"}:
        assert [p.name for p in parts(exported, table)] == [f"part-{report.run_id}.parquet"]
    assert report.rows["fact_activity"] == world["activities"] + 1
    # The days before stay: the database can not give them again.
    assert len(parts(exported, "fact_deal_snapshot")) == 2
    assert rows(exported, "SELECT count(*) FROM fact_deal_snapshot") == [(1,)]


def test_a_new_day_takes_a_new_snapshot(exported, world):
    yesterday = Watermark.objects.get(directory=str(exported), table="fact_deal_snapshot")
    yesterday.exported_until -= datetime.timedelta(days=1)
    yesterday.save()
    assert export(exported).rows["fact_deal_snapshot"] == 1


def test_works_council_mode_pseudonymizes_users(settings, world, tmp_path):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    export(tmp_path)
    values = every_value(tmp_path)
    users = [world["user"], world["colleague"]]
    for user in users:
        assert user.username not in values and "Rita Rep" not in values
    connection = query.connect(tmp_path)
    user_columns = [
        (spec.table, column.name)
        for _kind, spec in tables()
        for column in spec.columns
        if column.user
    ]
    assert ("fact_activity", "author_id") in user_columns
    for table, column in user_columns:
        sql = f"SELECT {column} FROM {table}"  # noqa: S608 (names from the registry)
        found = {v for (v,) in connection.execute(sql).fetchall()}
        assert not found & {str(u.pk) for u in users}, (table, column)
    named = connection.execute("SELECT count(*) FROM dim_user WHERE username IS NOT NULL")
    assert named.fetchone() == (0,)
    # The pseudonyms join: the team's activities are still counted.
    assert connection.execute(
        "SELECT count(*) FROM fact_activity a JOIN dim_user u ON u.user_id = a.author_id "
        "JOIN dim_team t ON t.team_id = u.team_id WHERE t.name = 'Vertrieb'"
    ).fetchone() == (world["activities"],)
    # and stay the same from one export to the next.
    again = tmp_path / "again"
    export(again, full=True)
    assert rows(tmp_path, "SELECT user_id FROM dim_user ORDER BY 1") == rows(
        again, "SELECT user_id FROM dim_user ORDER BY 1"
    )


def test_users_are_named_without_works_council_mode(settings, exported, world):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    export(exported, full=True)
    assert (str(world["user"].pk), "rep", "Rita Rep") in rows(
        exported, "SELECT user_id, username, name FROM dim_user"
    )


def test_contacts_personal_data_is_left_out_by_default(exported, world):
    values = every_value(exported)
    for personal in ("Sabine", "Koch", "Sabine Koch", "s.koch@mueller.example", "+49301234567"):
        assert personal not in values
    assert not any("Koch" in value or "mueller.example" in value for value in values)
    assert rows(
        exported, "SELECT display_name, email, phone, lifecycle_stage FROM dim_contact"
    ) == [(None, None, None, world["contact"].lifecycle_stage)]
    # An organization is no person: its name stays.
    assert "Müller & Söhne KG" in values


def test_contacts_personal_data_may_be_pseudonymized(settings, world, tmp_path):
    settings.KONTOR_WAREHOUSE_PERSONAL_DATA = "pseudonymize"
    export(tmp_path)
    [(name, email, phone)] = rows(tmp_path, "SELECT display_name, email, phone FROM dim_contact")
    assert len({name, email, phone}) == 3
    for value in (name, email, phone):
        assert len(value) == 24 and int(value, 16) >= 0
    assert not any("Koch" in value for value in every_value(tmp_path))
    export(tmp_path / "again")
    assert rows(tmp_path / "again", "SELECT display_name FROM dim_contact") == [(name,)]


@pytest.mark.parametrize("table", ["fact_activity", "dim_contact"])
def test_rows_are_written_in_row_groups(world, tmp_path, table):
    from kontor.warehouse import export as exporting

    exporting.export(tmp_path, batch_rows=1)
    part = parts(tmp_path, table)[0]
    metadata = pq.ParquetFile(part).metadata
    assert metadata.num_row_groups == metadata.num_rows > 0


def test_an_export_killed_halfway_leaves_no_part_and_writes_its_rows_again(
    exported, world, monkeypatch
):
    from kontor.activities import warehouse as activities_warehouse

    ActivityFactory(author=world["user"], contact=world["contact"])
    watermark = Watermark.objects.get(directory=str(exported), table="fact_activity")
    real_rows = activities_warehouse.activity_rows

    def dies_halfway(since, today):
        yield from real_rows(since, today)
        raise RuntimeError("killed")

    monkeypatch.setattr(activities_warehouse, "activity_rows", dies_halfway)
    with pytest.raises(RuntimeError):
        export(exported)
    assert len(parts(exported, "fact_activity")) == 1
    assert not list((exported / "fact_activity").glob(".part-*"))
    assert Watermark.objects.get(pk=watermark.pk).exported_until == watermark.exported_until

    monkeypatch.setattr(activities_warehouse, "activity_rows", real_rows)
    assert export(exported).rows["fact_activity"] == 1


def test_a_field_is_personal_by_its_category_as_the_administrator_set_it(db):
    from kontor.core.records import Category, FieldSpec, PersonalData, RecordType
    from kontor.warehouse.export import is_personal

    either = (Category.STANDARD, Category.PERSONAL)
    company = RecordType(
        key="company", label="company", label_plural="companies", model="x.Company",
        visible="", owner_paths=(), fields=(FieldSpec("phones", "phones", categories=either),),
    )  # fmt: skip
    assert not is_personal(company, "phones", {})
    assert is_personal(company, "phones", {("company", "phones"): Category.PERSONAL})
    person = RecordType(
        key="person", label="person", label_plural="people", model="x.Person", visible="",
        owner_paths=(), fields=(FieldSpec("name", "name"),),
        personal_data=PersonalData(links=("",)),
    )  # fmt: skip
    assert is_personal(person, "name", {})
    assert not is_personal(person, "", {}) and not is_personal(None, "name", {})
