"""Time-based rules, run by the worker's scheduled job with a clock the
test sets."""

import datetime

import pytest
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.activities.services import activity_create
from kontor.sales import services as sales
from kontor.tasks.models import Schedule
from kontor.tasks.schedules import fire_due_schedules, sync_schedules
from kontor.tasks.worker import run_until_empty
from kontor.workflow import clock
from kontor.workflow.models import Fired, Run
from tests.workflow.conftest import make_rule

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def tick(self, **delta) -> None:
        """Move on and let the worker run its due schedules (ours among them)."""
        self.now += datetime.timedelta(**delta)
        sync_schedules(self.now)
        Schedule.objects.filter(name="workflow.time_rules").update(
            next_run_at=self.now - datetime.timedelta(seconds=1)
        )
        assert fire_due_schedules(self.now) >= 1
        run_until_empty()


@pytest.fixture
def the_clock(monkeypatch):
    return Clock(monkeypatch)


def test_days_before_a_date_fire_once(user, deal, the_clock):
    closing = (the_clock.now + datetime.timedelta(days=10)).date()
    sales.deal_update(actor=user, deal=deal, data={"expected_close_date": closing.isoformat()})
    rule = make_rule(
        user,
        record_type="deal",
        trigger={"on": "date_offset", "field": "expected_close_date", "days": 2,
                 "direction": "before"},
        actions=[{"type": "create_task", "subject": "Call about {{ deal.title }}",
                  "due_in_days": 1}],
    )  # fmt: skip
    the_clock.tick(days=1)
    assert not Run.objects.filter(rule=rule).exists()
    the_clock.tick(days=8)
    run = Run.objects.get(rule=rule)
    assert run.trigger == "date_offset" and run.actions[0]["status"] == "done"
    tasks = Activity.objects.filter(linked_id=deal.pk, kind="task")
    assert list(tasks.values_list("subject", flat=True)) == ["Call about Rollout 2026"]
    the_clock.tick(days=1)
    the_clock.tick(days=5)
    assert Run.objects.filter(rule=rule).count() == 1
    assert Fired.objects.filter(rule=rule).count() == 1


def test_hours_after_a_moment(user, contact, the_clock):
    meeting_at = the_clock.now + datetime.timedelta(hours=5)
    task = activity_create(
        actor=user,
        data={"kind": "task", "subject": "Send the offer", "due_at": meeting_at.isoformat(),
              "contact_id": str(contact.pk)},
    )  # fmt: skip
    rule = make_rule(
        user,
        record_type="activity",
        trigger={"on": "date_offset", "field": "due_at", "hours": 2, "direction": "after"},
        conditions={"all": [{"field": "status", "op": "ne", "value": "done"}]},
        actions=[
            {"type": "notify", "to_owner": True, "message": "Overdue: {{ activity.subject }}"}
        ],
    )
    the_clock.tick(hours=6)
    assert not Run.objects.filter(rule=rule).exists()
    the_clock.tick(hours=2)
    run = Run.objects.get(rule=rule)
    assert run.record_id == str(task.pk) and run.matched


def test_days_without_an_activity(user, contact, the_clock):
    rule = make_rule(user, trigger={"on": "inactive", "days": 3})
    the_clock.tick(days=2)
    activity_create(
        actor=user,
        data={"kind": "call", "contact_id": str(contact.pk), "subject": "Checked in",
              "occurred_at": the_clock.now.isoformat()},
    )  # fmt: skip
    the_clock.tick(days=2)  # 2 days after the call
    assert not Run.objects.filter(rule=rule).exists()
    the_clock.tick(days=2)  # 4 days after it
    run = Run.objects.get(rule=rule)
    assert run.record_id == str(contact.pk) and run.trigger == "inactive"
    the_clock.tick(days=3)
    assert Run.objects.filter(rule=rule).count() == 1


def test_a_look_run_again_fires_nothing_twice(user, contact, the_clock):
    from kontor.workflow.timebased import fire_due

    rule = make_rule(
        user,
        trigger={"on": "inactive", "days": 1},
        actions=[
            {"type": "notify", "to_owner": True, "message": "Quiet: {{ contact.display_name }}"}
        ],
    )
    later = the_clock.now + datetime.timedelta(days=2)
    assert fire_due(later) == 1
    type(rule).objects.filter(pk=rule.pk).update(checked_until=the_clock.now)  # interrupted
    assert fire_due(later) == 0
    assert Run.objects.filter(rule=rule).count() == 1


def test_old_runs_are_pruned(user, contact, the_clock, settings):
    from kontor.workflow.engine import run_rule
    from kontor.workflow.tasks import prune_runs

    settings.KONTOR_WORKFLOW_RUN_RETENTION_DAYS = 30
    rule = make_rule(user)
    run_rule(rule, contact, trigger="created")
    the_clock.now += datetime.timedelta(days=29)
    assert prune_runs.call() == 0
    the_clock.now += datetime.timedelta(days=2)
    assert prune_runs.call() == 1
    assert not Run.objects.exists()
