"""The contract of GET /api/v1/analytics/{dashboard}."""

import pytest

from kontor.access.models import Team
from tests.analytics.conftest import TODAY
from tests.conftest import api_client_for
from tests.query_counts import CaptureWorkQueries

DASHBOARDS = ["pipeline", "forecast", "win-rate", "leads", "activities", "payments"]


@pytest.fixture
def chief_api(world):
    return api_client_for(world.superuser)


@pytest.mark.parametrize("key", DASHBOARDS)
def test_every_dashboard_answers_in_the_documented_shape(chief_api, key):
    response = chief_api.get(
        f"/api/v1/analytics/{key}", {"since": "2025-01-01", "until": TODAY.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dashboard"] == key
    assert body["filters"] == {
        "since": "2025-01-01",
        "until": TODAY.isoformat(),
        "pipeline_id": None,
        "team_id": None,
        "by": "team",
    }
    assert body["series"], key
    for series in body["series"]:
        assert {"name", "points"} <= set(series)
        for point in series["points"]:
            assert set(point) == {"label", "value"}
            assert isinstance(point["label"], str)
    labels = {item["label"] for item in body["labels"]}
    assert {p["label"] for s in body["series"] for p in s["points"]} <= labels


def test_an_unknown_dashboard_is_404(chief_api):
    assert chief_api.get("/api/v1/analytics/ranking").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"until": "1700000000"}, "until"),
        ({"since": "2026-03-01", "until": "2026-02-01"}, "until"),
        ({"since": "2000-01-01", "until": "2026-01-01"}, "until"),
        ({"pipeline_id": "nope"}, "pipeline_id"),
        ({"pipeline_id": "0190a8a0-0000-7000-8000-000000000000"}, "pipeline_id"),
        ({"team_id": "0190a8a0-0000-7000-8000-000000000000"}, "team_id"),
        ({"by": "employee"}, "by"),
    ],
)
def test_bad_filters_are_422_with_the_field(chief_api, params, field):
    response = chief_api.get("/api/v1/analytics/pipeline", params)
    assert response.status_code == 422, response.content
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]


def test_filters_by_pipeline_and_team_are_echoed(chief_api, world):
    north = Team.objects.get(name="North")
    response = chief_api.get(
        "/api/v1/analytics/forecast",
        {"pipeline_id": str(world.pipeline.pk), "team_id": str(north.pk)},
    )
    assert response.status_code == 200
    assert response.json()["filters"]["team_id"] == str(north.pk)
    assert response.json()["filters"]["pipeline_id"] == str(world.pipeline.pk)


def test_a_rep_counts_only_the_deals_of_their_team(world):
    from kontor.sales.models import Deal

    body = api_client_for(world.rep).get("/api/v1/analytics/pipeline").json()
    shown = sum(p["value"] for p in body["series"][0]["points"])
    assert (
        shown
        == Deal.objects.filter(
            status="open", pipeline=world.pipeline, owner__in=world.north
        ).count()
    )
    assert shown < Deal.objects.filter(status="open", pipeline=world.pipeline).count()


def test_it_needs_authentication(client, world):
    assert client.get("/api/v1/analytics/pipeline").status_code == 401


@pytest.mark.parametrize("key", DASHBOARDS)
def test_the_number_of_queries_does_not_grow_with_the_data(world, key):

    from kontor.sales.models import Deal

    api = api_client_for(world.rep)
    api.get(f"/api/v1/analytics/{key}")  # the token's first use
    with CaptureWorkQueries() as before:
        assert api.get(f"/api/v1/analytics/{key}").status_code == 200
    template = Deal.objects.filter(owner=world.rep).first()
    for i in range(5):
        template.pk = None
        template.title = f"More {i}"
        template.save(force_insert=True)
    with CaptureWorkQueries() as after:
        assert api.get(f"/api/v1/analytics/{key}").status_code == 200
    assert len(after.work) == len(before.work)
    assert len(after.work) <= 14
