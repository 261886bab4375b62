import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.files.models import Attachment
from tests.factories import ActivityFactory, ContactFactory, UserFactory


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def create_url(record, kind: str) -> str:
    prefix = "contact" if record.__class__.__name__ == "Contact" else "organization"
    return reverse(f"{prefix}-activity-create", args=[record.pk, kind])


def test_logging_a_call_with_a_note_and_a_file_goes_back_to_the_contact(logged_in, user, contact):
    response = logged_in.post(
        create_url(contact, "call"),
        {
            "call-direction": "outbound",
            "call-outcome": "answered",
            "call-body": "Discussed the quote.",
            "call-duration_minutes": "7",
            "call-files": [
                SimpleUploadedFile("notes.txt", b"minutes"),
                SimpleUploadedFile("quote.pdf", b"%PDF-1.4"),
            ],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{contact.get_absolute_url()}#history"
    call = Activity.objects.get()
    assert (call.kind, call.outcome, call.duration_seconds, call.body) == (
        "call", "answered", 420, "Discussed the quote.",
    )  # fmt: skip
    assert call.author == user
    assert sorted(a.name for a in call.attachments.all()) == ["notes.txt", "quote.pdf"]


def test_a_note_for_an_organization_is_its_own(logged_in, organization):
    response = logged_in.post(create_url(organization, "note"), {"note-body": "Visited."})
    assert response.status_code == 302
    note = Activity.objects.get()
    assert note.organization == organization and note.contact is None


def test_planning_a_meeting_adds_the_contact_and_the_chosen_colleagues(
    logged_in, user, contact, colleague
):
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = logged_in.post(
        create_url(contact, "meeting"),
        {
            "meeting-subject": "Workshop",
            "meeting-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "meeting-ends_at": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "meeting-location": "Stuttgart",
            "meeting-colleagues": [colleague.pk],
        },
    )
    assert response.status_code == 302
    meeting = Activity.objects.get()
    people = [(p.contact_id, p.user_id) for p in meeting.participants.all()]
    assert people == [(contact.pk, None), (None, colleague.pk)]


def test_creating_a_task_for_a_colleague(logged_in, contact, colleague):
    due = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    logged_in.post(
        create_url(contact, "task"),
        {"task-subject": "Send quote", "task-due_at": due, "task-assignee_id": colleague.pk},
    )
    task = Activity.objects.get()
    assert (task.subject, task.assignee, task.status) == ("Send quote", colleague, "open")


def test_a_form_with_errors_comes_back_with_the_message_and_the_input(logged_in, contact):
    start = timezone.localtime()
    response = logged_in.post(
        create_url(contact, "meeting"),
        {
            "meeting-subject": "Workshop",
            "meeting-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "meeting-ends_at": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "must not be before starts_at" in html
    assert 'value="Workshop"' in html
    assert '<details class="quick-action" data-quick-action open>' in html
    assert not Activity.objects.exists()


def test_a_negative_call_duration_is_shown_at_the_field(logged_in, contact):
    response = logged_in.post(
        create_url(contact, "call"),
        {"call-direction": "outbound", "call-outcome": "answered", "call-duration_minutes": "-2"},
    )
    assert response.status_code == 200
    assert "must not be negative" in response.content.decode()


def test_a_too_large_file_keeps_the_call_unsaved_and_says_why(logged_in, contact, settings):
    settings.KONTOR_MAX_UPLOAD_MB = 1
    response = logged_in.post(
        create_url(contact, "call"),
        {
            "call-direction": "outbound",
            "call-outcome": "answered",
            "call-body": "Keep me",
            "call-files": [SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "files may be at most 1 MB" in html
    assert "Keep me" in html
    assert not Activity.objects.exists()
    assert not Attachment.objects.exists()


def test_files_attach_to_a_contact_from_its_page(logged_in, contact):
    response = logged_in.post(
        reverse("contact-file-upload", args=[contact.pk]),
        {"upload-files": [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")]},
    )
    assert response.status_code == 302
    assert sorted(contact.attachments.values_list("name", flat=True)) == ["a.txt", "b.txt"]


def test_an_upload_without_files_says_so(logged_in, contact):
    response = logged_in.post(reverse("contact-file-upload", args=[contact.pk]), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_the_timeline_page_filters_by_kind_and_pages_back(logged_in, user, contact):
    now = timezone.now()
    for index in range(55):
        ActivityFactory(
            author=user, contact=contact, kind="call",
            occurred_at=now - datetime.timedelta(minutes=index), subject=f"Call {index}",
        )  # fmt: skip
    ActivityFactory(author=user, contact=contact, body="A note", subject="The note")
    url = reverse("contact-timeline", args=[contact.pk])
    calls = logged_in.get(url, {"kind": "call"})
    html = calls.content.decode()
    assert "Call 0" in html and "The note" not in html
    assert "Call 54" not in html
    assert "Older entries" in html
    cursor = calls.context["page"].next
    older = logged_in.get(url, {"kind": "call", "cursor": cursor}).content.decode()
    assert "Call 54" in older and "Call 0<" not in older
    assert logged_in.get(url, {"cursor": "garbage"}).status_code == 404


def test_the_organization_timeline_shows_its_peoples_activities(
    logged_in, user, contact, organization
):
    ActivityFactory(author=user, contact=contact, subject="From Sabine", body="x")
    html = logged_in.get(reverse("organization-timeline", args=[organization.pk])).content
    assert b"From Sabine" in html and b"Sabine Koch" in html


def test_my_tasks_are_grouped_into_overdue_today_and_upcoming(logged_in, user, contact):
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ActivityFactory(author=user, contact=contact, kind="task", subject="Overdue one",
                    due_at=now - datetime.timedelta(days=2))  # fmt: skip
    ActivityFactory(author=user, contact=contact, kind="task", subject="Due later",
                    due_at=midnight + datetime.timedelta(days=3))  # fmt: skip
    if now + datetime.timedelta(minutes=5) < midnight + datetime.timedelta(days=1):
        ActivityFactory(author=user, contact=contact, kind="task", subject="Today one",
                        due_at=now + datetime.timedelta(minutes=5))  # fmt: skip
    other = UserFactory(username="other")
    ActivityFactory(author=other, contact=contact, kind="task", subject="Not mine",
                    due_at=now)  # fmt: skip

    response = logged_in.get(reverse("my-tasks"))

    sections = {
        key: [t.subject for t in tasks] for key, _label, tasks in response.context["sections"]
    }
    assert sections["overdue"] == ["Overdue one"]
    assert sections["upcoming"] == ["Due later"]
    assert "Not mine" not in response.content.decode()


def test_marking_a_task_done_from_my_tasks_returns_there(logged_in, user, contact):
    task = ActivityFactory(author=user, contact=contact, kind="task", subject="x",
                           due_at=timezone.now())  # fmt: skip
    response = logged_in.post(reverse("task-done", args=[task.pk]), {"next": reverse("my-tasks")})
    assert response.status_code == 302
    assert response["Location"] == reverse("my-tasks")
    task.refresh_from_db()
    assert task.status == "done"


def test_a_foreign_next_url_is_ignored(logged_in, user, contact):
    task = ActivityFactory(author=user, contact=contact, kind="task", subject="x",
                           due_at=timezone.now())  # fmt: skip
    response = logged_in.post(
        reverse("task-done", args=[task.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"{contact.get_absolute_url()}#history"


def test_an_activity_page_shows_it_and_deletes_it(logged_in, user, contact):
    call = ActivityFactory(author=user, contact=contact, kind="call", subject="Hello call")
    page = logged_in.get(call.get_absolute_url())
    assert page.status_code == 200
    assert b"Hello call" in page.content
    deleted = logged_in.post(reverse("activity-delete", args=[call.pk]))
    assert deleted.status_code == 302
    assert not Activity.objects.exists()


def test_pages_of_hidden_records_are_404(logged_in, user, stranger):
    hidden = ContactFactory(owner=stranger)
    note = ActivityFactory(author=stranger, contact=hidden)
    assert logged_in.get(note.get_absolute_url()).status_code == 404
    assert logged_in.get(reverse("contact-timeline", args=[hidden.pk])).status_code == 404
    response = logged_in.post(create_url(hidden, "note"), {"note-body": "x"})
    assert response.status_code == 404
    assert Activity.objects.count() == 1


def test_the_pages_need_a_login(client, contact):
    response = client.get(reverse("my-tasks"))
    assert response.status_code == 302
    assert client.post(create_url(contact, "note"), {"note-body": "x"}).status_code == 302
    assert not Activity.objects.exists()
