"""The activity rollup: counted whole every night, the recent days every
ten minutes, an older day again when the outbox says one of its
activities changed."""

import datetime

from django.db.models import Sum

from kontor.activities.models import Activity
from kontor.activities.services import activity_update
from kontor.analytics.models import ActivityDayCount, RollupDirtyDay
from kontor.analytics.rollup import note_changed_activities, rebuild, refresh
from kontor.events.dispatch import dispatch_pending
from kontor.events.models import OutboxEvent
from tests.analytics.conftest import TODAY, noon


def total() -> int:
    return ActivityDayCount.objects.aggregate(n=Sum("count"))["n"] or 0


def test_a_rebuild_counts_every_activity_once(world):
    rebuild(today=TODAY)
    rebuild(today=TODAY)
    assert total() == Activity.objects.count()


def test_a_refresh_takes_in_the_recent_days(world):
    rebuild(today=TODAY)
    Activity.objects.filter(occurred_at__gte=noon(TODAY - datetime.timedelta(days=3))).delete()
    refresh(today=TODAY)
    assert total() == Activity.objects.count()


def test_a_changed_activity_on_an_older_day_is_counted_again(world):
    rebuild(today=TODAY)
    old = Activity.objects.filter(
        occurred_at__lt=noon(TODAY - datetime.timedelta(days=60)), author__isnull=False
    ).first()
    day = old.occurred_at.date()
    Activity.objects.filter(pk=old.pk).update(author=world.loner)
    note_changed_activities(
        [OutboxEvent(name="activity.updated", model="activities.Activity", record_id=str(old.pk))]
    )
    assert list(RollupDirtyDay.objects.values_list("day", flat=True)) == [day]
    refresh(today=TODAY)
    assert not RollupDirtyDay.objects.exists()
    counted = dict(
        ActivityDayCount.objects.filter(day=day)
        .values_list("author_id")
        .annotate(n=Sum("count"))
        .values_list("author_id", "n")
    )
    live = {}
    for author in Activity.objects.filter(
        occurred_at__gte=noon(day) - datetime.timedelta(hours=12),
        occurred_at__lt=noon(day) + datetime.timedelta(hours=12),
    ).values_list("author_id", flat=True):
        live[author] = live.get(author, 0) + 1
    assert counted == live
    assert counted[world.loner.pk] >= 1


def test_the_outbox_consumer_hears_of_service_writes(world):
    activity = Activity.objects.filter(author=world.rep).first()
    activity_update(actor=world.superuser, activity=activity, data={"subject": "Neu"})
    dispatch_pending()
    assert RollupDirtyDay.objects.filter(day=activity.occurred_at.date()).exists()
