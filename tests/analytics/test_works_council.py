"""Works-council mode: figures per team only, teams below the minimum
merged into "other" (left out when still too small), never per employee;
with the mode off an administrator's setting allows figures per user."""

import datetime

import pytest
from django.db.models import Q

from kontor.access.models import Team
from kontor.activities.models import Activity
from kontor.analytics.rollup import rebuild
from tests.analytics.conftest import TODAY
from tests.conftest import api_client_for

DASHBOARDS = ["pipeline", "forecast", "win-rate", "leads", "activities", "payments"]
PERIOD = {
    "since": (TODAY - datetime.timedelta(days=70)).isoformat(),
    "until": TODAY.isoformat(),
}


@pytest.fixture
def council(world, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 5
    settings.KONTOR_ANALYTICS_PER_USER = True
    rebuild(today=TODAY)
    return api_client_for(world.superuser)


def activities(api) -> dict:
    response = api.get("/api/v1/analytics/activities", PERIOD)
    assert response.status_code == 200, response.content
    return response.json()


def test_small_teams_and_people_without_a_team_are_no_group_of_their_own(council):
    body = activities(council)
    north = Team.objects.get(name="North")
    assert [s["key"] for s in body["series"]] == [f"team:{north.pk}"]
    assert not any(s["key"].startswith(("user:", "none")) for s in body["series"])
    assert body["notes"], "the page says why figures are missing"


def test_other_is_shown_when_together_they_reach_the_minimum(council, settings, world):
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 3  # South (2) + one person without a team
    body = activities(council)
    other = next(s for s in body["series"] if s["key"] == "other")
    since = datetime.date.fromisoformat(body["extras"]["period"]["since"])
    # Activities without an author (made by the system) count there too.
    expected = Activity.objects.filter(
        Q(author__in=[*world.south, world.loner]) | Q(author__isnull=True),
        occurred_at__date__gte=since,
        occurred_at__date__lte=TODAY,
    ).count()
    assert sum(p["value"] for p in other["points"]) == expected
    assert "team:" + str(Team.objects.get(name="South").pk) not in [
        s["key"] for s in body["series"]
    ]


@pytest.mark.parametrize("key", DASHBOARDS)
def test_no_dashboard_answers_for_a_team_below_the_minimum(council, key):
    south = Team.objects.get(name="South")
    response = council.get(f"/api/v1/analytics/{key}", {"team_id": str(south.pk)})
    assert response.status_code == 403
    assert "at least 5 people" in response.json()["detail"]


def test_no_figures_per_user_in_works_council_mode(council):
    response = council.get("/api/v1/analytics/activities", {**PERIOD, "by": "user"})
    assert response.status_code == 403


def test_no_figures_per_user_unless_the_administrator_allows_them(council, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    settings.KONTOR_ANALYTICS_PER_USER = False
    response = council.get("/api/v1/analytics/activities", {**PERIOD, "by": "user"})
    assert response.status_code == 403


def test_figures_per_user_when_allowed(council, settings, world):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    response = council.get("/api/v1/analytics/activities", {**PERIOD, "by": "user"})
    assert response.status_code == 200
    series = {s["key"]: s for s in response.json()["series"]}
    rep = series[f"user:{world.rep.pk}"]
    assert (
        sum(p["value"] for p in rep["points"])
        == Activity.objects.filter(
            author=world.rep,
            occurred_at__date__gte=response.json()["extras"]["period"]["since"],
            occurred_at__date__lte=TODAY,
        ).count()
    )


def test_the_csv_keeps_to_the_same_rules(council, client, world):
    client.force_login(world.superuser)
    response = client.get("/analytics/activities.csv", PERIOD)
    assert response.status_code == 200
    header = response.content.decode().splitlines()[0].split(",")
    assert header == ["label", "North"]
    south = Team.objects.get(name="South")
    assert client.get("/analytics/pipeline.csv", {"team_id": south.pk}).status_code == 403
