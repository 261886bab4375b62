"""Keeping the activity rollup (``ActivityDayCount``) up to date.

- ``refresh()`` (every 10 minutes on the worker) counts anew the recent
  days (``RECENT_DAYS``) and the days the outbox consumer noted as changed;
- ``rebuild()`` (nightly) counts every day anew, a month at a time, which
  also takes in activities removed from older days;
- ``note_changed_activities`` is the outbox consumer: an activity created
  or changed on an older day marks that day.

Each range is deleted and counted again in one transaction, with the
rollup's state row locked, so that two workers never count a day twice."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from kontor.activities.selectors import activity_counts_by_day, activity_days, first_activity_time
from kontor.analytics.models import ActivityDayCount, RollupDirtyDay, RollupState

ROLLUP = "activity_day_count"
RECENT_DAYS = 35
ACTIVITY_MODEL = "activities.Activity"


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
        rows = [
            ActivityDayCount(
                day=row["day"], author_id=row["author_id"], kind=row["kind"], count=row["count"]
            )
            for row in activity_counts_by_day(
                _start_of(first), _start_of(last + datetime.timedelta(days=1))
            )
        ]
        ActivityDayCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    started = timezone.now()
    first_recent = today - datetime.timedelta(days=RECENT_DAYS)
    last_recent = today + datetime.timedelta(days=1)
    written = count_days(first_recent, last_recent)
    dirty = list(RollupDirtyDay.objects.values_list("day", flat=True))
    for day in dirty:
        if not first_recent <= day <= last_recent:
            written += count_days(day, day)
    RollupDirtyDay.objects.filter(day__in=dirty).delete()
    RollupState.objects.filter(name=ROLLUP).update(refreshed_at=started)
    return written


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
            [
                ActivityDayCount(
                    day=row["day"],
                    author_id=row["author_id"],
                    kind=row["kind"],
                    count=row["count"],
                )
                for row in activity_counts_by_day(_start_of(month), _FAR_FUTURE)
            ],
            batch_size=2000,
        )
    RollupDirtyDay.objects.all().delete()
    RollupState.objects.filter(name=ROLLUP).update(refreshed_at=started, rebuilt_at=started)
    return written


_FAR_FUTURE = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def note_changed_activities(events: Iterable) -> None:
    """Outbox consumer: mark the days of created or changed activities."""
    ids = [
        e.record_id for e in events if e.model == ACTIVITY_MODEL and not e.name.endswith(".deleted")
    ]
    if not ids:
        return
    days = activity_days(ids)
    RollupDirtyDay.objects.bulk_create(
        [RollupDirtyDay(day=day) for day in days], ignore_conflicts=True
    )


def refreshed_at() -> datetime.datetime | None:
    state = RollupState.objects.filter(name=ROLLUP).first()
    return state.refreshed_at if state else None
