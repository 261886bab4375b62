"""The calendars and SLA policies API: the exact contract, administrators
only for writes, 422 with the field for bad input."""

import datetime

import pytest
from django.test import Client

from kontor.audit.models import AuditEntry
from kontor.sla.calendars import calendar_spec
from kontor.sla.clock import add_business_minutes
from kontor.sla.models import BusinessCalendar, SlaPolicy
from tests.conftest import api_client_for
from tests.factories import UserFactory

WEEK = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDAR = {
    "name": "Munich office",
    "time_zone": "Europe/Berlin",
    "country": "DE",
    "subdivision": "BY",
    "hours": WEEK,
    "closed_days": ["2026-12-24", "2026-12-31"],
}
TARGETS = {
    "normal": {"first_response_minutes": 240, "resolution_minutes": 2400},
    "urgent": {"first_response_minutes": 30, "resolution_minutes": 240},
}


@pytest.fixture
def calendar(api):
    response = api.post("/api/v1/business-calendars", CALENDAR)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def policy(api, calendar):
    response = api.post(
        "/api/v1/sla-policies",
        {"name": "Standard", "calendar_id": calendar["id"], "targets": TARGETS,
         "organization_tag": None},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {".".join(str(p) for p in e["loc"][1:]): e["msg"] for e in response.json()["detail"]}


def test_an_administrator_creates_reads_changes_and_deletes_a_calendar(api, calendar):
    assert calendar["hours"]["mon"] == [["08:00", "17:00"]]
    assert calendar["hours"]["sat"] == []
    assert {k: calendar[k] for k in ("name", "time_zone", "country", "subdivision")} == {
        "name": "Munich office", "time_zone": "Europe/Berlin", "country": "DE",
        "subdivision": "BY",
    }  # fmt: skip
    assert calendar["closed_days"] == ["2026-12-24", "2026-12-31"]
    assert calendar["version"] == 1
    url = f"/api/v1/business-calendars/{calendar['id']}"
    assert api.get(url).json() == calendar
    assert [c["id"] for c in api.get("/api/v1/business-calendars").json()["items"]] == [
        calendar["id"]
    ]
    changed = api.patch(url, {"hours": {"sat": [["10:00", "14:00"]]}, "version": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["hours"]["sat"] == [["10:00", "14:00"]]
    assert changed.json()["hours"]["mon"] == []  # hours are replaced whole
    assert changed.json()["version"] == 2
    assert api.patch(url, {"name": "Stale", "version": 1}).status_code == 409
    assert AuditEntry.objects.filter(object_id=calendar["id"]).count() == 2
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_an_administrator_manages_policies(api, calendar, policy):
    assert policy["targets"] == TARGETS
    assert policy["calendar_id"] == calendar["id"]
    assert policy["organization_tag"] is None
    assert policy["warning_share"] == 0.8
    url = f"/api/v1/sla-policies/{policy['id']}"
    assert api.get(url).json() == policy
    changed = api.patch(url, {"organization_tag": "premium", "warning_share": 0.75})
    assert changed.status_code == 200, changed.content
    assert changed.json()["organization_tag"] == "premium"
    assert changed.json()["warning_share"] == 0.75
    assert api.patch(url, {"organization_tag": None}).json()["organization_tag"] is None
    listed = api.get("/api/v1/sla-policies").json()["items"]
    assert [p["name"] for p in listed] == ["Standard"]
    # The calendar is in use.
    refused = api.delete(f"/api/v1/business-calendars/{calendar['id']}")
    assert "calendar" in errors_of(refused)
    assert api.delete(url).status_code == 204
    assert not SlaPolicy.objects.exists()


def test_one_policy_is_the_default(api, calendar, policy):
    other = api.post(
        "/api/v1/sla-policies",
        {"name": "Premium", "calendar_id": calendar["id"], "targets": TARGETS,
         "is_default": True},
    ).json()  # fmt: skip
    assert other["is_default"] is True
    api.patch(f"/api/v1/sla-policies/{policy['id']}", {"is_default": True})
    assert list(SlaPolicy.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Standard"
    ]


def test_reading_is_for_everyone_writing_for_administrators(api, calendar, policy):
    rep = api_client_for(UserFactory(username="agent", roles=["service"]))
    assert rep.get("/api/v1/business-calendars").status_code == 200
    assert rep.get(f"/api/v1/sla-policies/{policy['id']}").status_code == 200
    cal_url = f"/api/v1/business-calendars/{calendar['id']}"
    pol_url = f"/api/v1/sla-policies/{policy['id']}"
    assert rep.post("/api/v1/business-calendars", {**CALENDAR, "name": "X"}).status_code == 403
    assert rep.patch(cal_url, {"name": "Mine"}).status_code == 403
    assert rep.delete(cal_url).status_code == 403
    assert (
        rep.post(
            "/api/v1/sla-policies", {"name": "X", "calendar_id": calendar["id"], "targets": {}}
        ).status_code
        == 403
    )
    assert rep.patch(pol_url, {"name": "Mine"}).status_code == 403
    assert rep.delete(pol_url).status_code == 403
    assert Client().get("/api/v1/sla-policies").status_code == 401
    assert BusinessCalendar.objects.get().name == "Munich office"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"time_zone": "Europe/Munich"}, "time_zone", "IANA"),
        ({"time_zone": "CEST"}, "time_zone", "IANA"),
        ({"country": "XX"}, "country", "public holidays"),
        ({"subdivision": "ZZ"}, "subdivision", "not a subdivision of DE"),
        ({"country": "", "subdivision": "BY"}, "subdivision", "needs a country"),
        ({"hours": {"mon": [["08:00", "25:00"]]}}, "hours.mon", "pair"),
        ({"hours": {"mon": [["17:00", "08:00"]]}}, "hours.mon", "before the end"),
        ({"hours": {"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}}, "hours.mon", "overlap"),
        ({"hours": {"monday": [["08:00", "12:00"]]}}, "hours.monday", "weekday"),
        ({"hours": {"mon": "08:00-17:00"}}, "hours.mon", "list"),
        ({"hours": {}}, "hours", "at least one"),
        ({"closed_days": ["24.12.2026"]}, "closed_days.0", "date"),
        ({"name": " "}, "name", "required"),
    ],
)
def test_bad_calendars_are_refused_with_the_field(api, change, field, reason):
    response = api.post("/api/v1/business-calendars", {**CALENDAR, **change})
    errors = errors_of(response)
    assert reason in errors[field], errors
    assert not BusinessCalendar.objects.exists()


def test_a_subdivision_is_matched_whatever_its_case(api):
    response = api.post("/api/v1/business-calendars", {**CALENDAR, "subdivision": "by"})
    assert response.json()["subdivision"] == "BY"


@pytest.mark.parametrize(
    ("targets", "field", "reason"),
    [
        ({"critical": {"first_response_minutes": 1, "resolution_minutes": 2}},
         "targets.critical", "not a priority"),
        ({"high": {"first_response_minutes": 0, "resolution_minutes": 2}},
         "targets.high.first_response_minutes", "whole number"),
        ({"high": {"first_response_minutes": "30", "resolution_minutes": 60}},
         "targets.high.first_response_minutes", "whole number"),
        ({"high": {"first_response_minutes": 30}}, "targets.high.resolution_minutes", "whole"),
        ({"high": {"first_response_minutes": 90, "resolution_minutes": 60}},
         "targets.high.first_response_minutes", "longer"),
        ({"high": {"first_response_minutes": 30, "resolution_minutes": 60, "x": 1}},
         "targets.high.x", "not a target"),
        ({"high": 30}, "targets.high", "object"),
    ],
)  # fmt: skip
def test_bad_targets_are_refused_with_the_field(api, calendar, targets, field, reason):
    response = api.post(
        "/api/v1/sla-policies",
        {"name": "P", "calendar_id": calendar["id"], "targets": targets},
    )
    errors = {k.replace(".", ".", 1): v for k, v in errors_of(response).items()}
    assert any(reason in msg for key, msg in errors.items() if key == field), errors


def test_a_policy_needs_a_calendar_and_a_unique_tag(api, calendar, policy):
    missing = api.post(
        "/api/v1/sla-policies",
        {"name": "P", "calendar_id": "0190b4c0-0000-7000-8000-000000000000", "targets": {}},
    )
    assert "calendar_id" in errors_of(missing)
    api.patch(f"/api/v1/sla-policies/{policy['id']}", {"organization_tag": "gold"})
    taken = api.post(
        "/api/v1/sla-policies",
        {"name": "P", "calendar_id": calendar["id"], "targets": {}, "organization_tag": "Gold"},
    )
    assert "organization_tag" in errors_of(taken)
    bad_share = api.patch(f"/api/v1/sla-policies/{policy['id']}", {"warning_share": 1.5})
    assert "warning_share" in errors_of(bad_share)
    assert api.get("/api/v1/sla-policies/not-a-uuid").status_code == 404


def test_a_calendar_brings_its_public_holidays_and_closed_days(api, calendar):
    spec = calendar_spec(BusinessCalendar.objects.get(), years=[2026])
    assert datetime.date(2026, 1, 6) in spec.closed  # Epiphany, a holiday in Bavaria
    assert datetime.date(2026, 12, 24) in spec.closed  # the company's own
    start = datetime.datetime(2026, 1, 5, 16, 0, tzinfo=datetime.UTC)  # 17:00 in Munich
    due = add_business_minutes(spec, start, 60)
    assert due == datetime.datetime(2026, 1, 7, 8, 0, tzinfo=datetime.UTC)  # 09:00 on the 7th


def test_the_list_takes_a_fixed_number_of_queries(
    api, calendar, policy, django_assert_max_num_queries
):
    for n in range(3):
        api.post(
            "/api/v1/sla-policies",
            {"name": f"P{n}", "calendar_id": calendar["id"], "targets": TARGETS},
        )
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/sla-policies").json()["items"]) == 4
