# ruff: noqa: S608 (the queries are put together from this file's own
# fragments; every value goes as a parameter)
"""Each dashboard's figures equal the same aggregation written in plain SQL
over the generated data, for a superuser and for a sales rep (who reads
the records of their team), on SQLite and PostgreSQL."""

import datetime
import uuid
from collections import defaultdict

import pytest
from django.db import connection

from kontor.analytics.dashboards import dashboard
from kontor.analytics.filters import Filters
from kontor.analytics.rollup import rebuild
from tests.analytics.conftest import SINCE, TODAY, UNTIL

USERS = ["superuser", "rep"]


def sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def pg() -> bool:
    return connection.vendor == "postgresql"


def db_id(value: uuid.UUID):
    return str(value) if pg() else value.hex


def as_uuid(value) -> uuid.UUID:
    return uuid.UUID(str(value))


def month_of(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM')" if pg() else f"strftime('%%Y-%%m', {column})"


def day_start(day: datetime.date) -> str:
    """A day's start in Europe/Berlin as the database stores times (UTC)."""
    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    text = start.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00" if pg() else text


def owner_clause(world, user_name: str, column: str) -> tuple[str, list]:
    """The rep reads the records their team owns; the superuser every record."""
    if user_name == "superuser":
        return "", []
    ids = [u.pk for u in world.north]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def values(board, key: str) -> dict[str, float]:
    series = next(s for s in board.series if s.key == key)
    return {p.label: p.value for p in series.points}


def user_of(world, name: str):
    return world.superuser if name == "superuser" else world.rep


@pytest.mark.parametrize("who", USERS)
def test_pipeline_equals_sql(world, who):
    filters = Filters(
        since=TODAY - datetime.timedelta(days=30), until=TODAY + datetime.timedelta(days=200)
    )
    board = dashboard("pipeline", user=user_of(world, who), filters=filters, today=TODAY)
    access, params = owner_clause(world, who, "d.owner_id")
    rows = sql(
        "SELECT d.stage_id, d.currency, COUNT(*), SUM(d.amount),"
        " SUM(d.amount * COALESCE(d.probability, s.probability) / 100.0)"
        " FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id"
        " WHERE d.pipeline_id = %s AND d.status = 'open'"
        " AND d.expected_close_date >= %s AND d.expected_close_date <= %s" + access +
        " GROUP BY d.stage_id, d.currency",
        [db_id(world.pipeline.pk), filters.since, filters.until, *params],
    )  # fmt: skip
    assert rows, "the generated data has open deals in the period"
    counts, amounts, weighted = defaultdict(int), defaultdict(float), defaultdict(float)
    for stage_id, currency, count, total, weight in rows:
        counts[str(as_uuid(stage_id))] += count
        amounts[(str(as_uuid(stage_id)), currency)] += float(total)
        weighted[(str(as_uuid(stage_id)), currency)] += float(weight)
    assert {k: v for k, v in values(board, "count").items() if v} == dict(counts)
    for (stage, currency), total in amounts.items():
        assert values(board, f"amount:{currency}")[stage] == pytest.approx(total, abs=0.01)
        assert values(board, f"weighted:{currency}")[stage] == pytest.approx(
            weighted[(stage, currency)], abs=0.01
        )
    assert board.labels == [str(s.pk) for s in world.pipeline.stages.all() if s.kind == "open"]


@pytest.mark.parametrize("who", USERS)
def test_forecast_equals_sql(world, who):
    filters = Filters(since=SINCE, until=UNTIL)
    board = dashboard("forecast", user=user_of(world, who), filters=filters, today=TODAY)
    access, params = owner_clause(world, who, "d.owner_id")
    month = month_of("d.expected_close_date")
    rows = sql(
        f"SELECT {month}, d.currency, COUNT(*), SUM(d.amount),"
        " SUM(d.amount * COALESCE(d.probability, s.probability) / 100.0)"
        " FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id"
        " WHERE d.status = 'open' AND d.expected_close_date IS NOT NULL"
        " AND d.expected_close_date >= %s AND d.expected_close_date <= %s" + access +
        f" GROUP BY {month}, d.currency",
        [SINCE, UNTIL, *params],
    )  # fmt: skip
    assert rows
    counts = defaultdict(int)
    for label, currency, count, total, weight in rows:
        counts[label] += count
        assert values(board, f"amount:{currency}")[label] == pytest.approx(float(total), abs=0.01)
        assert values(board, f"weighted:{currency}")[label] == pytest.approx(
            float(weight), abs=0.01
        )
    assert values(board, "count") == dict(counts)
    assert board.labels == sorted(counts)


@pytest.mark.parametrize("who", USERS)
def test_win_rate_equals_sql(world, who):
    filters = Filters(since=SINCE, until=UNTIL)
    board = dashboard("win-rate", user=user_of(world, who), filters=filters, today=TODAY)
    access, params = owner_clause(world, who, "owner_id")
    month = month_of("closed_at")
    cycle = (
        "AVG(CASE WHEN status = 'won' THEN EXTRACT(EPOCH FROM closed_at - created_at) / 86400 END)"
        if pg()
        else "AVG(CASE WHEN status = 'won' THEN julianday(closed_at) - julianday(created_at) END)"
    )
    rows = sql(
        f"SELECT {month}, SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END), {cycle}"
        " FROM sales_deal WHERE status IN ('won', 'lost') AND closed_at >= %s"
        " AND closed_at < %s" + access + f" GROUP BY {month}",
        [day_start(SINCE), day_start(UNTIL + datetime.timedelta(days=1)), *params],
    )  # fmt: skip
    assert rows
    for label, won, lost, days in rows:
        assert values(board, "won")[label] == won
        assert values(board, "lost")[label] == lost
        assert values(board, "win_rate")[label] == round(100 * won / (won + lost), 1)
        if days is None:
            assert values(board, "cycle_days")[label] is None
        else:
            assert values(board, "cycle_days")[label] == pytest.approx(float(days), abs=0.06)
    assert board.labels == sorted(r[0] for r in rows)


@pytest.mark.parametrize("who", USERS)
def test_leads_equal_sql(world, who):
    filters = Filters(since=SINCE, until=UNTIL)
    board = dashboard("leads", user=user_of(world, who), filters=filters, today=TODAY)
    access, params = owner_clause(world, who, "d.owner_id")
    period = [day_start(SINCE), day_start(UNTIL + datetime.timedelta(days=1))]
    by_source = sql(
        "SELECT d.source, COUNT(*) FROM sales_deal d WHERE d.created_at >= %s"
        " AND d.created_at < %s" + access + " GROUP BY d.source",
        [*period, *params],
    )
    assert values(board, "new_by_source") == {f"source:{s}": n for s, n in by_source}
    # Reached: moved into the stage or a later one (lost stages aside), by the history.
    reached = sql(
        "SELECT s.id, COUNT(DISTINCT d.id) FROM sales_deal d"
        " JOIN sales_dealstagechange c ON c.deal_id = d.id"
        " JOIN sales_stage t ON t.id = c.to_stage_id AND t.kind <> 'lost'"
        " JOIN sales_stage s ON s.pipeline_id = d.pipeline_id AND s.kind <> 'lost'"
        " AND s.position <= t.position WHERE d.pipeline_id = %s"
        " AND d.created_at >= %s AND d.created_at < %s" + access + " GROUP BY s.id",
        [db_id(world.pipeline.pk), *period, *params],
    )
    cohort = sql(
        "SELECT COUNT(*) FROM sales_deal d WHERE d.pipeline_id = %s"
        " AND d.created_at >= %s AND d.created_at < %s" + access,
        [db_id(world.pipeline.pk), *period, *params],
    )[0][0]
    expected = {f"stage:{as_uuid(stage)}": n for stage, n in reached}
    shown = values(board, "reached")
    for stage in world.pipeline.stages.exclude(kind="lost"):
        label = f"stage:{stage.pk}"
        assert shown[label] == expected.get(label, 0)
        assert values(board, "conversion")[label] == round(100 * expected.get(label, 0) / cohort, 1)
    assert board.extras["pipeline"]["deals"] == cohort


@pytest.mark.parametrize("who", USERS)
def test_payments_equal_sql(world, who):
    filters = Filters()
    board = dashboard("payments", user=user_of(world, who), filters=filters, today=TODAY)
    if who == "superuser":
        access, params = "", []
    else:
        ids = [u.pk for u in world.north]
        marks = ", ".join(["%s"] * len(ids))
        access = f" AND o.owner_id IN ({marks})"
        params = ids
    day = datetime.timedelta(days=1)
    rows = sql(
        "SELECT CASE WHEN i.invoice_date >= %s THEN '0-30' WHEN i.invoice_date >= %s THEN '31-60'"
        " WHEN i.invoice_date >= %s THEN '61-90' ELSE '>90' END AS age, i.currency, COUNT(*),"
        " SUM(i.gross_amount - i.amount_paid)"
        " FROM sales_invoice i LEFT JOIN contacts_organization o ON o.id = i.organization_id"
        " WHERE i.status = 'open' AND i.archived_at IS NULL AND i.amount_paid < i.gross_amount"
        + access + " GROUP BY age, i.currency",
        [TODAY - 30 * day, TODAY - 60 * day, TODAY - 90 * day, *params],
    )  # fmt: skip
    assert rows
    counts = defaultdict(int)
    for age, currency, count, total in rows:
        counts[age] += count
        assert values(board, f"open:{currency}")[age] == pytest.approx(float(total), abs=0.01)
    assert {k: v for k, v in values(board, "count").items() if v} == dict(counts)
    assert board.labels == ["0-30", "31-60", "61-90", ">90"]


def week_of(column: str) -> str:
    if pg():
        return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    return f"date({column}, 'weekday 0', '-6 days')"


@pytest.mark.parametrize("who", USERS)
def test_activities_per_team_equal_sql(world, who):
    """Everybody's figures come from the rollup (the rep's from its rows
    whose owners they may read): they equal the count over the live table."""
    rebuild(today=TODAY)
    since, until = TODAY - datetime.timedelta(days=70), TODAY
    filters = Filters(since=since, until=until)
    board = dashboard("activities", user=user_of(world, who), filters=filters, today=TODAY)
    assert board.extras["source"] == "rollup"
    access, params = owner_clause(world, who, "c.owner_id")
    first = since - datetime.timedelta(days=since.weekday())
    week = week_of("a.occurred_at")
    period = [day_start(first), day_start(until + datetime.timedelta(days=1))]
    rows = sql(
        f"SELECT {week}, tm.team_id, COUNT(*) FROM activities_activity a"
        " JOIN contacts_contact c ON c.id = a.contact_id"
        " LEFT JOIN access_team_members tm ON tm.user_id = a.author_id"
        " WHERE a.occurred_at >= %s AND a.occurred_at < %s" + access +
        f" GROUP BY {week}, tm.team_id",
        [*period, *params],
    )  # fmt: skip
    assert rows
    expected = defaultdict(dict)
    for label, team_id, count in rows:
        key = f"team:{as_uuid(team_id)}" if team_id else "none"
        expected[key][str(label)] = count
    shown = {s.key: {p.label: p.value for p in s.points if p.value} for s in board.series}
    assert {k: v for k, v in shown.items() if v} == dict(expected)
    assert board.labels[0] == first.isoformat()
