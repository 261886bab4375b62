"""The Dashboards pages: a chart (inline SVG) per unit, the table and the
CSV download, the filter form with its errors."""

import pytest

from kontor.access.models import Team

DASHBOARDS = ["pipeline", "forecast", "win-rate", "leads", "activities", "payments"]


@pytest.fixture
def chief(client, world):
    client.force_login(world.superuser)
    return client


def test_the_dashboards_link_leads_to_the_pipeline(chief):
    response = chief.get("/analytics/")
    assert response.status_code == 302
    assert response["Location"] == "/analytics/pipeline/"


@pytest.mark.parametrize("key", DASHBOARDS)
def test_each_dashboard_draws_its_charts_and_table(chief, key):
    response = chief.get(f"/analytics/{key}/", {"since": "2025-01-01", "until": "2026-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg class="chart"') >= 1
    assert '<table class="records">' in page
    assert f'href="/analytics/{key}.csv?since=2025-01-01&amp;until=2026-12-31"' in page
    assert "<script" not in page.split("<main", 1)[1]


def test_the_csv_has_a_row_per_label(chief, world):
    response = chief.get("/analytics/payments.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="payments.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("label,Open invoices")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "0–30 days",
        "31–60 days",
        "61–90 days",
        "over 90 days",
    ]


def test_a_bad_filter_is_shown_at_its_field(chief):
    response = chief.get("/analytics/forecast/", {"since": "2026-05-01", "until": "2026-04-01"})
    assert response.status_code == 422
    assert "The end of the period lies before its start." in response.content.decode()
    assert '<svg class="chart"' not in response.content.decode()


def test_an_unknown_dashboard_is_404(chief):
    assert chief.get("/analytics/ranking/").status_code == 404
    assert chief.get("/analytics/ranking.csv").status_code == 404


def test_works_council_mode_refuses_a_small_team_on_the_page(chief, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    south = Team.objects.get(name="South")
    response = chief.get("/analytics/leads/", {"team_id": south.pk})
    assert response.status_code == 403
    assert "at least 5 people" in response.content.decode()


def test_the_page_is_in_german(chief):
    response = chief.get("/analytics/payments/", HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert "CSV herunterladen" in page
    assert "über 90 Tage" in page
    assert "Offene Rechnungen" in page
