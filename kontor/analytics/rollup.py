"""Keeping the activity rollup (``ActivityDayCount``) up to date.

- ``refresh()`` (every 10 minutes on the worker) counts anew the recent
  days (``RECENT_DAYS``) and the days the outbox consumer noted as changed;
- ``rebuild()`` (nightly) counts every day anew, a month at a time, which
  also takes in activities removed from older days;
- ``note_changed_activities`` is the outbox consumer: an activity created
  or changed on an older day marks that day, and so does a change of a
  contact or an organization (its owner may have changed, which the rows'
  keys name) for every day one of its activities is on.

Each range is deleted and counted again in one transaction, with the
rollup's state row locked, so that two workers never count a day twice."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from kontor.activities.selectors import (
    activity_counts_by_day,
    activity_days,
    activity_days_about,
    first_activity_time,
)
from kontor.analytics.models import ActivityDayCount, RollupDirtyDay, RollupState

ROLLUP = "activity_day_count"
RECENT_DAYS = 35
ACTIVITY_MODEL = "activities.Activity"
# Changes of these records may move their activities' counts to another owner.
OWNER_EVENTS = {
    "contact.updated": "contacts.Contact",
    "organization.updated": "contacts.Organization",
}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _lock() -> RollupState:
    state, _ = RollupState.objects.get_or_create(name=ROLLUP)
    return RollupState.objects.select_for_update().get(pk=state.pk)


def count_days(first: datetime.date, last: datetime.date) -> int:
    """Count the days ``first`` … ``last`` anew; returns the rows written."""
    with transaction.atomic():
        _lock()
        ActivityDayCount.objects.filter(day__gte=first, day__lte=last).delete()
        rows = _counted(_start_of(first), _start_of(last + datetime.timedelta(days=1)))
        ActivityDayCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _counted(start: datetime.datetime, end: datetime.datetime) -> list[ActivityDayCount]:
    return [ActivityDayCount(**row) for row in activity_counts_by_day(start, end)]


def refresh(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    started = timezone.now()
    first_recent = today - datetime.timedelta(days=RECENT_DAYS)
    last_recent = today + datetime.timedelta(days=1)
    written = count_days(first_recent, last_recent)
    dirty = list(RollupDirtyDay.objects.values_list("day", flat=True))
    older = sorted(day for day in dirty if not first_recent <= day <= last_recent)
    for first, last in _runs(older):
        written += count_days(first, last)
    RollupDirtyDay.objects.filter(day__in=dirty).delete()
    RollupState.objects.filter(name=ROLLUP).update(refreshed_at=started)
    return written


def _runs(days: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Sorted days as runs of consecutive days (at most a month each), so
    that a contact with a long history costs one count per month, not per day."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in days:
        if (
            runs
            and day - runs[-1][1] == datetime.timedelta(days=1)
            and (day - runs[-1][0]) < datetime.timedelta(days=31)
        ):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def rebuild(*, today: datetime.date | None = None) -> int:
    """Every day from the first activity's to the day after ``today``, a
    month at a time (each month one transaction), then the days after."""
    today = today or timezone.localdate()
    started = timezone.now()
    first_time = first_activity_time()
    first = timezone.localdate(first_time) if first_time else today
    written = 0
    month = first.replace(day=1)
    end = today + datetime.timedelta(days=1)
    while month <= end:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        written += count_days(month, following - datetime.timedelta(days=1))
        month = following
    with transaction.atomic():
        _lock()
        # Activities dated far ahead (a meeting next year) and rows of days
        # that no longer have any.
        ActivityDayCount.objects.filter(day__lt=first.replace(day=1)).delete()
        ActivityDayCount.objects.filter(day__gte=month).delete()
        ActivityDayCount.objects.bulk_create(
            _counted(_start_of(month), _FAR_FUTURE), batch_size=2000
        )
    RollupDirtyDay.objects.all().delete()
    RollupState.objects.filter(name=ROLLUP).update(refreshed_at=started, rebuilt_at=started)
    return written


_FAR_FUTURE = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def note_changed_activities(events: Iterable) -> None:
    """Outbox consumer: mark the days of created or changed activities, and
    of the activities of changed contacts and organizations."""
    events = list(events)
    ids = [
        e.record_id for e in events if e.model == ACTIVITY_MODEL and not e.name.endswith(".deleted")
    ]
    owned = {model: set() for model in OWNER_EVENTS.values()}
    for e in events:
        if OWNER_EVENTS.get(e.name) == e.model:
            owned[e.model].add(e.record_id)
    days = activity_days(ids) if ids else set()
    days |= activity_days_about(
        contact_ids=owned["contacts.Contact"], organization_ids=owned["contacts.Organization"]
    )
    if days:
        RollupDirtyDay.objects.bulk_create(
            [RollupDirtyDay(day=day) for day in days], ignore_conflicts=True
        )


def refreshed_at() -> datetime.datetime | None:
    """When the rollup was last brought up to date; None while it has never
    been counted whole (a new installation, or rows of an older shape
    cleared by a migration), when the dashboards count live."""
    state = RollupState.objects.filter(name=ROLLUP, rebuilt_at__isnull=False).first()
    return state.refreshed_at if state else None
