# ruff: noqa: S608 (the queries are put together from this file's own
# fragments; every value goes as a parameter)
"""The service dashboard's figures equal the same aggregation in plain SQL
over generated tickets, for a superuser and for a sales rep who reads the
tickets in their team's queue, on SQLite and PostgreSQL; in works-council
mode a queue below the minimum size is refused."""

import datetime
import random

import pytest
from django.db import connection

from kontor.access.grants import forget_access
from kontor.analytics.dashboards import dashboard
from kontor.analytics.filters import Filters
from kontor.service.models import Ticket
from tests.conftest import api_client_for
from tests.factories import UserFactory

PRIORITIES = ["low", "normal", "high", "urgent"]
STATUSES = ["new", "open", "pending", "resolved", "closed"]
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def tickets(db):
    rng = random.Random(5)
    chief = UserFactory(username="chief", is_superuser=True, is_staff=True)
    agent = UserFactory(username="agent", roles=["sales"], teams=["First level"])
    UserFactory(username="other", roles=["service"], teams=["Second level"])
    forget_access(agent)
    teams = [agent.kontor_teams.get(), UserFactory._meta.model.objects.get(username="other")
             .kontor_teams.get()]  # fmt: skip
    for number in range(1, 121):
        created = START + datetime.timedelta(hours=7 * number)
        due = created + datetime.timedelta(hours=rng.choice([2, 8, 24]))
        responded = created + datetime.timedelta(hours=rng.choice([1, 4, 30]))
        status = rng.choice(STATUSES)
        Ticket.objects.create(
            number=f"T-{number:06d}",
            subject=f"Ticket {number}",
            team=rng.choice(teams),
            priority=rng.choice(PRIORITIES),
            status=status,
            first_response_due_at=due if number % 5 else None,
            resolution_due_at=due + datetime.timedelta(days=2),
            first_responded_at=responded if number % 3 else None,
            resolved_at=responded + datetime.timedelta(days=rng.choice([1, 3]))
            if status in ("resolved", "closed")
            else None,
            breached=rng.random() < 0.3,
        )
        Ticket.objects.filter(number=f"T-{number:06d}").update(created_at=created)
    return chief, agent, teams[0]


def _sql(team_id=None, since=None):
    team = " AND team_id = %s" if team_id else ""
    period = " AND created_at >= %s" if since else ""
    if since is not None and connection.vendor != "postgresql":
        since = since.strftime("%Y-%m-%d %H:%M:%S")  # as SQLite stores times (UTC)
    query = (
        "SELECT priority,"
        " SUM(CASE WHEN status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status NOT IN ('resolved', 'closed') AND breached THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN 1=1{period} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN first_response_due_at IS NOT NULL AND first_responded_at IS NOT NULL"
        f"{period} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN first_responded_at <= first_response_due_at{period} THEN 1 ELSE 0 END)"
        f" FROM service_ticket WHERE 1=1{team} GROUP BY priority"
    )
    period_params = [since] * 3 if since else []
    with connection.cursor() as cursor:
        cursor.execute(query, [*period_params, *([_db(team_id)] if team_id else [])])
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _db(value):
    return str(value) if connection.vendor == "postgresql" else value.hex


def _values(board, key):
    [series] = [s for s in board.series if s.key == key]
    return {p.label: p.value for p in series.points}


@pytest.mark.parametrize("who", ["chief", "agent"])
def test_the_service_dashboard_equals_sql(tickets, who):
    chief, agent, queue = tickets
    user = chief if who == "chief" else agent
    since = datetime.date(2026, 3, 20)

    board = dashboard("service", user=user, filters=Filters(since=since), today=since)

    expected = _sql(
        team_id=None if who == "chief" else queue.pk,
        since=datetime.datetime(2026, 3, 19, 23, 0, tzinfo=datetime.UTC),  # Berlin's midnight
    )
    assert board.labels == PRIORITIES
    for priority, (backlog, breached, opened, due, in_time) in expected.items():
        assert _values(board, "backlog")[priority] == backlog
        assert _values(board, "breached")[priority] == breached
        assert _values(board, "opened")[priority] == opened
        share = round(100 * in_time / due, 1) if due else None
        assert _values(board, "first_response_met")[priority] == share
    assert sum(_values(board, "backlog").values()) == sum(row[0] for row in expected.values())


def test_the_service_dashboard_answers_through_the_api(tickets, settings):
    chief, _agent, queue = tickets
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    refused = api_client_for(chief).get(f"/api/v1/analytics/service?team_id={queue.pk}")
    assert refused.status_code == 403  # a queue of one person
    settings.KONTOR_WORKS_COUNCIL_MODE = False

    response = api_client_for(chief).get(f"/api/v1/analytics/service?team_id={queue.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dashboard"] == "service"
    assert {s["name"] for s in body["series"]} >= {"Open tickets", "Of them breached"}
    backlog = next(s for s in body["series"] if s["key"] == "backlog")
    expected = sum(row[0] for row in _sql(team_id=queue.pk).values())
    assert expected and sum(p["value"] for p in backlog["points"]) == expected
