"""The workflow's jobs on the worker: a rule's evaluation for an event, and
the periodic look for records that time-based rules are due on."""

import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_tasks import task

from kontor.core.records import record_type
from kontor.workflow import clock, engine, targets, timebased
from kontor.workflow.models import Fired, Rule, Run

PRUNE_BATCH = 5000


def _record_of_email(rule: Rule, model: str, record_id: str) -> Any:
    """The record a received email was filed on, of the rule's type."""
    message = apps.get_model(model).objects.filter(pk=record_id).first()
    activity = getattr(message, "activity", None) if message is not None else None
    if activity is None:
        return None
    kind = record_type(rule.record_type)
    if kind.key == "activity":
        return activity.pk
    if kind.key in targets.OWN_COLUMNS:
        return getattr(activity, targets.OWN_COLUMNS[kind.key])
    if activity.linked_type == kind.key:
        return activity.linked_id
    return None


@task()
def evaluate(
    rule_id: str,
    event_id: str,
    event_name: str,
    model: str,
    record_id: str,
    occurred_at: str,
    cause: dict[str, Any],
) -> str:
    """Run a rule for one outbox event, once (a run is logged per rule and
    event; a job run again after it committed finds it and stops)."""
    rule = Rule.objects.select_related("owner").filter(pk=rule_id, active=True).first()
    if rule is None:
        return "rule gone or switched off"
    if Run.objects.filter(rule=rule, event_id=event_id).exists():
        return "already run"
    on = rule.trigger.get("on")
    if on == "email_received":
        record_id = _record_of_email(rule, model, record_id)
        if record_id is None:
            return "the email is not filed on such a record"
    record = engine.find(rule, record_id)
    if record is None:
        return "not visible to the rule's owner"
    kind = record_type(rule.record_type)
    if on == "field_changed" and not engine.field_changed(
        kind, record, rule.trigger, datetime.datetime.fromisoformat(occurred_at)
    ):
        return "the field did not change so"
    stage_id = rule.trigger.get("stage_id") if on == "stage_changed" else None
    if stage_id and str(getattr(record, "stage_id", "")) != str(stage_id):
        return "another stage"
    with transaction.atomic():
        run = engine.run_rule(
            rule, record, trigger=on, event_name=event_name, event_id=event_id, cause=cause
        )
    return f"run {run.pk}" if run else "not run"


@task()
def prune_runs() -> int:
    """Delete the log of runs older than KONTOR_WORKFLOW_RUN_RETENTION_DAYS
    (and the marks of time-based rules fired before then), in batches."""
    days = datetime.timedelta(days=settings.KONTOR_WORKFLOW_RUN_RETENTION_DAYS)
    cutoff = clock.now() - days
    deleted = 0
    old = Run.objects.filter(started_at__lt=cutoff).order_by()
    while ids := list(old.values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += Run.objects.filter(pk__in=ids).delete()[0]
    # A mark is needed only while its moment can come into a look again.
    Fired.objects.filter(due_at__lt=cutoff - days).delete()
    return deleted


@task()
def run_time_rules() -> int:
    """Fire the time-based rules whose moments have come since the last look."""
    return timebased.fire_due(clock.now())
