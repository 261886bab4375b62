import datetime

import pytest
from django.utils import timezone

from kontor.activities.models import Activity, Participant
from kontor.activities.services import activity_create, activity_update, task_set_done
from kontor.contacts.services import contact_delete, organization_delete
from kontor.core.exceptions import FieldErrors, VersionConflict
from tests.factories import ActivityFactory, ContactFactory, OrganizationFactory


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.errors


def test_a_call_is_logged_with_its_own_fields(user, contact):
    call = activity_create(
        actor=user,
        data={
            "kind": "call",
            "contact_id": contact.pk,
            "direction": "inbound",
            "outcome": "answered",
            "duration_seconds": 754,
            "phone_number": "0711 2299300-41",
            "body": "Wants a quote for 20 units.",
        },
    )
    call.refresh_from_db()
    assert call.author == user
    assert call.outcome == "answered"
    assert call.duration_seconds == 754
    assert call.phone_number == "+49711229930041"
    assert call.occurred_at <= timezone.now()


def test_the_organization_is_filled_from_the_contact(user, contact, organization):
    note = ActivityFactory(author=user, contact=contact, body="hello")
    assert note.organization == organization


def test_a_given_organization_wins_over_the_contacts(user, contact):
    other = OrganizationFactory(name="Other GmbH")
    note = ActivityFactory(author=user, contact=contact, organization=other, body="hello")
    assert note.organization == other


def test_an_activity_needs_a_contact_or_an_organization(user):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(actor=user, data={"kind": "note", "body": "floating"})
    assert "contact_id" in errors_of(excinfo)


def test_fields_of_another_kind_are_rejected_by_name(user, contact):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user,
            data={"kind": "note", "contact_id": contact.pk, "body": "x", "outcome": "missed"},
        )
    assert errors_of(excinfo) == {"outcome": ["does not apply to a note"]}


def test_a_negative_duration_is_rejected(user, contact):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user, data={"kind": "call", "contact_id": contact.pk, "duration_seconds": -5}
        )
    assert errors_of(excinfo) == {"duration_seconds": ["must not be negative"]}


def test_a_meeting_cannot_end_before_it_starts(user, contact):
    start = timezone.now()
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user,
            data={
                "kind": "meeting",
                "contact_id": contact.pk,
                "subject": "Kick-off",
                "starts_at": start,
                "ends_at": start - datetime.timedelta(minutes=1),
            },
        )
    assert errors_of(excinfo) == {"ends_at": ["must not be before starts_at"]}


def test_a_meeting_takes_place_at_its_start_with_contacts_and_colleagues(user, contact, colleague):
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = activity_create(
        actor=user,
        data={
            "kind": "meeting",
            "contact_id": contact.pk,
            "subject": "Workshop",
            "starts_at": start,
            "participants": [
                {"contact_id": contact.pk},
                {"user_id": colleague.pk},
                {"user_id": colleague.pk},
            ],
        },
    )
    assert meeting.occurred_at == start
    participants = list(Participant.objects.filter(activity=meeting))
    assert [(p.contact_id, p.user_id) for p in participants] == [
        (contact.pk, None),
        (None, colleague.pk),
    ]


def test_an_unknown_participant_is_named_in_the_error(user, contact):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user,
            data={
                "kind": "meeting",
                "contact_id": contact.pk,
                "subject": "Workshop",
                "starts_at": timezone.now(),
                "participants": [{"user_id": 999999}],
            },
        )
    assert errors_of(excinfo) == {"participants[0].user_id": ["is not an active user"]}


def test_an_email_keeps_its_headers_and_html_part(user, contact):
    email = activity_create(
        actor=user,
        data={
            "kind": "email",
            "contact_id": contact.pk,
            "direction": "inbound",
            "subject": "Angebot",
            "body": "Hallo",
            "body_html": "<p>Hallo</p>",
            "message_id": "<abc@mueller.example>",
            "from": "Sabine Koch <s.koch@mueller.example>",
            "to": ["rep@kontor.example"],
            "cc": ["boss@kontor.example"],
            "thread": "<root@mueller.example>",
        },
    )
    email.refresh_from_db()
    assert email.from_address == "Sabine Koch <s.koch@mueller.example>"
    assert email.to_addresses == ["rep@kontor.example"]
    assert email.body_html == "<p>Hallo</p>"


def test_an_invalid_recipient_is_named_by_position(user, contact):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user,
            data={"kind": "email", "contact_id": contact.pk, "to": ["ok@example.com", "nope"]},
        )
    assert list(errors_of(excinfo)) == ["to[1]"]


def test_a_task_is_open_and_assigned_to_its_author_by_default(user, contact):
    due = timezone.now() + datetime.timedelta(days=1)
    task = activity_create(
        actor=user,
        data={"kind": "task", "contact_id": contact.pk, "subject": "Send quote", "due_at": due},
    )
    assert task.status == "open"
    assert task.assignee == user
    assert task.completed_at is None


def test_a_task_needs_a_due_date(user, contact):
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(
            actor=user, data={"kind": "task", "contact_id": contact.pk, "subject": "Call back"}
        )
    assert errors_of(excinfo) == {"due_at": ["is required for a task"]}


def test_marking_a_task_done_records_when_and_reopening_clears_it(user, contact):
    task = ActivityFactory(
        author=user, contact=contact, kind="task", subject="Send quote",
        due_at=timezone.now(),
    )  # fmt: skip
    task_set_done(actor=user, task=task)
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None
    task_set_done(actor=user, task=task, done=False)
    task.refresh_from_db()
    assert task.status == "open"
    assert task.completed_at is None


def test_an_open_task_has_no_completion_time(user, contact):
    task = ActivityFactory(
        author=user, contact=contact, kind="task", subject="x", due_at=timezone.now()
    )
    with pytest.raises(FieldErrors) as excinfo:
        activity_update(actor=user, activity=task, data={"completed_at": timezone.now()})
    assert list(errors_of(excinfo)) == ["completed_at"]


def test_the_kind_cannot_change(user, contact):
    note = ActivityFactory(author=user, contact=contact)
    with pytest.raises(FieldErrors) as excinfo:
        activity_update(actor=user, activity=note, data={"kind": "call"})
    assert list(errors_of(excinfo)) == ["kind"]


def test_an_update_with_a_stale_version_is_refused(user, contact):
    note = ActivityFactory(author=user, contact=contact)
    activity_update(actor=user, activity=note, data={"body": "first"}, expected_version=1)
    stale = Activity.objects.get(pk=note.pk)
    stale.version = 1
    with pytest.raises(VersionConflict) as excinfo:
        activity_update(actor=user, activity=stale, data={"body": "second"}, expected_version=1)
    assert excinfo.value.current_version == 2
    assert Activity.objects.get(pk=note.pk).body == "first"


def test_moving_an_activity_to_another_contact_moves_its_organization(user, contact):
    elsewhere = OrganizationFactory(name="Elsewhere AG")
    other = ContactFactory(first_name="Jo", organization_id=elsewhere.pk)
    note = ActivityFactory(author=user, contact=contact)
    activity_update(actor=user, activity=note, data={"contact_id": other.pk})
    note.refresh_from_db()
    assert (note.contact, note.organization) == (other, elsewhere)


def test_deleting_a_contact_deletes_its_history(user, contact):
    ActivityFactory(author=user, contact=contact)
    contact_delete(actor=user, contact=contact)
    assert not Activity.objects.exists()


def test_deleting_an_organization_keeps_its_peoples_history(user, contact, organization):
    persons = ActivityFactory(author=user, contact=contact)
    ActivityFactory(author=user, contact=None, organization=organization)
    organization_delete(actor=user, organization=organization)
    assert list(Activity.objects.all()) == [persons]
    persons.refresh_from_db()
    assert persons.organization is None


def test_a_contact_the_actor_cannot_see_is_unknown(user, stranger):
    hidden = ContactFactory(owner=stranger)
    with pytest.raises(FieldErrors) as excinfo:
        activity_create(actor=user, data={"kind": "note", "contact_id": hidden.pk, "body": "x"})
    assert errors_of(excinfo) == {"contact_id": ["is not an existing contact"]}


def test_a_meeting_takes_place_at_its_start_even_when_moved(user, contact):
    start = timezone.now() + datetime.timedelta(days=1)
    meeting = ActivityFactory(
        author=user, contact=contact, kind="meeting", subject="Visit", starts_at=start
    )
    later = start + datetime.timedelta(days=7)
    activity_update(actor=user, activity=meeting, data={"starts_at": later})
    meeting.refresh_from_db()
    assert meeting.occurred_at == meeting.starts_at == later
    with pytest.raises(FieldErrors) as excinfo:
        activity_update(actor=user, activity=meeting, data={"occurred_at": start})
    assert list(errors_of(excinfo)) == ["occurred_at"]
