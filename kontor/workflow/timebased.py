"""Time-based triggers: N days/hours before or after a date field, and N
days without an activity on a record. Each look covers the moments since
the rule's last one (``checked_until``) up to now, with a range query on
the date (or on the latest activity, through the activities' indexes); a
``Fired`` row per rule, record and moment makes each fire once, even when
a look is interrupted and runs again."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kontor.access.policy import processable, visible_records
from kontor.activities.models import Activity
from kontor.core.records import RecordType, record_type
from kontor.workflow import engine, fields
from kontor.workflow.models import Fired, Rule
from kontor.workflow.spec import TIME_TRIGGERS

BATCH = 500


def fire_due(now: datetime.datetime) -> int:
    """Run every active time-based rule on the records that became due; returns the runs."""
    fired = 0
    rules = Rule.objects.select_related("owner").filter(active=True).order_by("created_at")
    for rule in rules:
        if rule.trigger.get("on") not in TIME_TRIGGERS:
            continue
        fired += _fire_rule(rule, now)
    return fired


def _shift(trigger: dict[str, Any]) -> datetime.timedelta:
    amount = datetime.timedelta(days=trigger.get("days") or 0, hours=trigger.get("hours") or 0)
    return -amount if trigger.get("direction") == "before" else amount


def _due_records(rule: Rule, kind: RecordType, since, now) -> list[tuple[Any, datetime.datetime]]:
    """``(record, due moment)`` for each record due in ``(since, now]``."""
    # Not for a person whose processing is restricted (GDPR Art. 18).
    records = processable(visible_records(rule.owner, kind.key), kind.key)
    trigger = rule.trigger
    if trigger["on"] == "date_offset":
        field = fields.date_field(kind, trigger["field"])
        shift = _shift(trigger)
        low, high = since - shift, now - shift
        if not isinstance(field, DateTimeField):
            low, high = timezone.localdate(low), timezone.localdate(high)
        found = records.filter(**{f"{field.name}__gt": low, f"{field.name}__lte": high})
        result = []
        for record in found.order_by(field.name)[:BATCH]:
            value = getattr(record, field.name)
            if not isinstance(value, datetime.datetime):
                value = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
            result.append((record, value + shift))
        return result
    days = datetime.timedelta(days=trigger["days"])
    found = records.annotate(
        _last=Greatest("created_at", Coalesce(Subquery(_last_activity(kind)), "created_at"))
    ).filter(_last__gt=since - days, _last__lte=now - days)
    return [(record, record._last + days) for record in found.order_by("_last")[:BATCH]]


def _last_activity(kind: RecordType):
    if kind.key in ("contact", "organization"):
        on = {kind.key: OuterRef("pk")}
    else:
        on = {"linked_type": kind.key, "linked_id": OuterRef("pk")}
    return (
        Activity.objects.filter(**on)
        .order_by()
        .values(*on)
        .annotate(last=Max("occurred_at"))
        .values("last")[:1]
    )


def _fire_rule(rule: Rule, now: datetime.datetime) -> int:
    kind = record_type(rule.record_type)
    since = rule.checked_until or rule.created_at
    if since >= now:
        return 0
    fired = 0
    due = _due_records(rule, kind, since, now)
    for record, moment in due:
        try:
            with transaction.atomic():
                Fired.objects.create(rule=rule, record_id=str(record.pk), due_at=moment)
                if engine.run_rule(rule, record, trigger=rule.trigger["on"]):
                    fired += 1
        except IntegrityError:
            continue  # fired before (an interrupted look ran again)
    checked = now
    if len(due) >= BATCH:
        # More to come: the next look starts just before the last moment
        # fired (records of that same moment are fired once all the same).
        checked = max(due[-1][1] - datetime.timedelta(microseconds=1), since)
        if checked == since:
            checked = due[-1][1]
    Rule.objects.filter(pk=rule.pk).update(checked_until=checked)
    return fired
