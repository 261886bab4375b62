"""Meetings as iCalendar (RFC 5545), for the attendees' calendars."""

from django.utils import timezone
from django.utils.text import slugify
from icalendar import Calendar, Event, vCalAddress, vText

from kontor.activities.models import Activity, Kind
from kontor.core.users import user_name

PRODUCT_ID = "-//Kontor//Kontor CRM//EN"


def _attendee(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    address.params["ROLE"] = vText("REQ-PARTICIPANT")
    return address


def meeting_calendar(meeting: Activity) -> bytes:
    """A calendar with the meeting as its one event. Expects the participants
    with their contacts' email addresses prefetched."""
    if meeting.kind != Kind.MEETING:
        raise ValueError("only meetings are calendar events")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    # Stable across edits, so a calendar updates the event instead of adding one.
    event.add("uid", f"{meeting.pk}@kontor")
    event.add("dtstamp", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.version - 1)
    event.add("dtstart", meeting.starts_at)
    if meeting.ends_at:
        event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.subject)
    if meeting.body:
        event.add("description", meeting.body)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.author and meeting.author.email:
        organizer = vCalAddress(f"mailto:{meeting.author.email}")
        organizer.params["CN"] = vText(user_name(meeting.author))
        event.add("organizer", organizer)
    for participant in meeting.participants.all():
        if participant.contact:
            email = next(iter(participant.contact.emails.all()), None)
            if email:
                event.add("attendee", _attendee(email.address, participant.contact.display_name))
        elif participant.user.email:
            user = participant.user
            event.add("attendee", _attendee(user.email, user_name(user)))
    calendar.add_component(event)
    return calendar.to_ical()


def meeting_file_name(meeting: Activity) -> str:
    start = timezone.localtime(meeting.starts_at)
    return f"{start:%Y-%m-%d}-{slugify(meeting.subject)[:60] or 'meeting'}.ics"
