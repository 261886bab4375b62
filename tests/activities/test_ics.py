import datetime

from django.utils import timezone
from icalendar import Calendar

from tests.factories import ActivityFactory, ContactFactory


def test_a_meeting_exports_as_icalendar_that_a_calendar_library_reads(
    api, user, contact, colleague
):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    guest = ContactFactory(first_name="Jürgen", last_name="Müller", emails=["jm@example.com"])
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Jahresgespräch",
        body="Agenda: Preise 2026", location="Stuttgart, Werk 2",
        starts_at=start, ends_at=start + datetime.timedelta(minutes=90),
        participants=[{"contact_id": guest.pk}, {"user_id": colleague.pk}],
    )  # fmt: skip

    response = api.get(f"/api/v1/activities/{meeting.pk}/ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Jahresgespräch"
    assert str(event["LOCATION"]) == "Stuttgart, Werk 2"
    assert str(event["DESCRIPTION"]) == "Agenda: Preise 2026"
    assert event["UID"] == f"{meeting.pk}@kontor"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + datetime.timedelta(minutes=90)
    attendees = sorted(str(a) for a in event.get("ATTENDEE"))
    assert attendees == ["mailto:jm@example.com", "mailto:mia@kontor.example"]
    assert str(event["ORGANIZER"]) == f"mailto:{user.email}"


def test_an_edited_meeting_keeps_its_uid_and_raises_its_sequence(api, user, contact):
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Visit",
        starts_at=timezone.now(),
    )  # fmt: skip
    first = Calendar.from_ical(api.get(f"/api/v1/activities/{meeting.pk}/ics").content)
    api.patch(f"/api/v1/activities/{meeting.pk}", {"location": "Online"})
    second = Calendar.from_ical(api.get(f"/api/v1/activities/{meeting.pk}/ics").content)
    [before], [after] = first.walk("VEVENT"), second.walk("VEVENT")
    assert before["UID"] == after["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1


def test_only_meetings_have_a_calendar_file(api, user, contact):
    note = ActivityFactory(author=user, contact=contact)
    assert api.get(f"/api/v1/activities/{note.pk}/ics").status_code == 404


def test_the_web_ui_offers_the_same_file(client, user, contact):
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Visit",
        starts_at=timezone.now(),
    )  # fmt: skip
    client.force_login(user)
    response = client.get(f"/activities/{meeting.pk}/calendar.ics")
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Visit"
