"""Calendars and policies in the admin, beside teams and roles: weekly hours
one line a weekday, targets one number a priority, saved through the
services (checked, audited); administrators only."""

import pytest

from kontor.audit.models import AuditEntry
from kontor.sla.models import BusinessCalendar, SlaPolicy
from tests.factories import UserFactory

CALENDAR_FORM = {
    "name": "Hamburg",
    "time_zone": "Europe/Berlin",
    "country": "DE",
    "subdivision": "HH",
    "hours_mon": "08:00-12:00, 13:00-17:00",
    "hours_tue": "08:00-17:00",
    "hours_wed": "",
    "hours_thu": "",
    "hours_fri": "08:00-14:00",
    "hours_sat": "",
    "hours_sun": "",
    "closed_days_text": "2026-12-24\n2026-12-31\n",
}


@pytest.fixture
def staff_admin(client, admin_user):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_an_administrator_creates_and_edits_a_calendar(staff_admin):
    response = staff_admin.post("/admin/sla/businesscalendar/add/", CALENDAR_FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert calendar.hours["wed"] == []
    assert calendar.closed_days == ["2026-12-24", "2026-12-31"]
    assert AuditEntry.objects.filter(object_id=str(calendar.pk), action="create").exists()

    page = staff_admin.get(f"/admin/sla/businesscalendar/{calendar.pk}/change/")
    assert "08:00-12:00, 13:00-17:00" in page.content.decode()
    edited = staff_admin.post(
        f"/admin/sla/businesscalendar/{calendar.pk}/change/",
        {**CALENDAR_FORM, "hours_sat": "10:00-13:00"},
    )
    assert edited.status_code == 302
    calendar.refresh_from_db()
    assert calendar.hours["sat"] == [["10:00", "13:00"]]
    assert calendar.version == 2
    assert staff_admin.get("/admin/sla/businesscalendar/").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_mon": "08:00-12:00, 11:00-17:00"}, "overlap"),
        ({"hours_mon": "8 to 5"}, "pair"),
        ({"time_zone": "Mars/Olympus"}, "IANA"),
        ({"subdivision": "XX"}, "not a subdivision"),
        ({"closed_days_text": "Christmas"}, "is not a date"),
    ],
)
def test_the_form_shows_what_is_wrong(staff_admin, change, message):
    response = staff_admin.post("/admin/sla/businesscalendar/add/", {**CALENDAR_FORM, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_an_administrator_creates_a_policy_with_targets(staff_admin):
    staff_admin.post("/admin/sla/businesscalendar/add/", CALENDAR_FORM)
    calendar = BusinessCalendar.objects.get()
    form = {
        "name": "Gold",
        "calendar": str(calendar.pk),
        "organization_tag": "gold",
        "is_default": "on",
        "warning_share": "0.75",
        "urgent__first_response_minutes": "30",
        "urgent__resolution_minutes": "240",
    }
    response = staff_admin.post("/admin/sla/slapolicy/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get()
    assert policy.targets == {"urgent": {"first_response_minutes": 30, "resolution_minutes": 240}}
    assert policy.is_default and policy.organization_tag == "gold"
    half = staff_admin.post(
        "/admin/sla/slapolicy/add/", {**form, "name": "Half", "organization_tag": "",
                                      "urgent__resolution_minutes": ""},
    )  # fmt: skip
    assert half.status_code == 200
    assert "resolution_minutes" in half.content.decode()
    assert staff_admin.get("/admin/sla/slapolicy/").status_code == 200


def test_staff_without_administration_rights_cannot_change_them(db, client):
    clerk = UserFactory(username="clerk", is_staff=True, roles=["service"])
    client.force_login(clerk, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/admin/sla/businesscalendar/add/", CALENDAR_FORM).status_code == 403
    assert not BusinessCalendar.objects.exists()
