"""A write that changes nothing leaves an activity's version, its audit trail
and its mentions alone; a delete of a version changed meanwhile is refused."""

import pytest

from kontor.activities.models import Activity
from kontor.activities.services import activity_delete, activity_update, task_set_done
from kontor.audit.models import AuditEntry
from kontor.core.exceptions import VersionConflict
from tests.factories import ActivityFactory


def _audit_entries(activity: Activity) -> int:
    return AuditEntry.objects.filter(object_id=str(activity.pk)).count()


def test_marking_a_done_task_done_again_changes_nothing(user, contact):
    task = ActivityFactory(
        author=user, contact=contact, kind="task", subject="Angebot", due_at="2030-01-01T10:00"
    )
    task_set_done(actor=user, task=task)
    done = Activity.objects.get(pk=task.pk)
    before = (done.version, done.updated_at, done.completed_at)
    audited = _audit_entries(task)

    task_set_done(actor=user, task=done)

    stored = Activity.objects.get(pk=task.pk)
    assert (stored.version, stored.updated_at, stored.completed_at) == before
    assert _audit_entries(task) == audited


def test_an_update_with_the_same_values_changes_nothing(user, contact):
    note = ActivityFactory(author=user, contact=contact, subject="Anruf", body="Hallo")

    activity_update(
        actor=user,
        activity=note,
        data={"subject": " Anruf ", "body": "Hallo", "contact_id": contact.pk},
        expected_version=1,
    )

    assert Activity.objects.get(pk=note.pk).version == 1
    assert _audit_entries(note) == 1


def test_an_update_that_changes_nothing_of_a_stale_version_is_a_conflict(user, contact):
    note = ActivityFactory(author=user, contact=contact, body="Hallo")
    activity_update(actor=user, activity=note, data={"body": "Zweite Fassung"})

    with pytest.raises(VersionConflict):
        activity_update(actor=user, activity=note, data={}, expected_version=1)


def test_a_delete_of_a_version_changed_meanwhile_is_refused(user, contact):
    note = ActivityFactory(author=user, contact=contact, body="Hallo")
    stale = Activity.objects.get(pk=note.pk)
    activity_update(actor=user, activity=note, data={"body": "Zweite Fassung"})

    with pytest.raises(VersionConflict) as conflict:
        activity_delete(actor=user, activity=stale, expected_version=1)

    assert conflict.value.current_version == 2
    assert Activity.objects.filter(pk=note.pk).exists()
    activity_delete(actor=user, activity=stale, expected_version=2)
    assert not Activity.objects.filter(pk=note.pk).exists()
