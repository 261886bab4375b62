"""Running a rule on a record: find it as the owner may see it, test the
conditions, run each action in a savepoint (a failing one is rolled back
and logged, the others go on), log the run. A dry run does all of that
inside a transaction that is rolled back, so it tells what each action
would do and changes nothing."""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kontor.access.policy import processable, visible_records
from kontor.audit.context import audit_channel, audit_via
from kontor.audit.models import AuditAction, AuditEntry, Channel
from kontor.core.exceptions import ServiceError
from kontor.core.records import RecordType, record_type
from kontor.events.outbox import caused_by
from kontor.workflow import clock, conditions, fields
from kontor.workflow.actions import RUN, Target
from kontor.workflow.models import Rule, Run

logger = logging.getLogger(__name__)


class _RollBack(Exception):
    """Ends a dry run's transaction."""


def max_depth() -> int:
    return max(1, int(getattr(settings, "KONTOR_WORKFLOW_MAX_DEPTH", 5)))


def find(rule: Rule, record_id: Any) -> Any:
    """The record, if the rule's owner may read it and its person's
    processing is not restricted (GDPR Art. 18)."""
    try:
        records = processable(visible_records(rule.owner, rule.record_type), rule.record_type)
        return records.filter(pk=record_id).first()
    except (ValueError, TypeError, LookupError, ValidationError):
        return None


def field_changed(kind: RecordType, record: Any, trigger: dict[str, Any], occurred_at) -> bool:
    """Did the update at ``occurred_at`` change the trigger's field (to its
    value, if it names one)? The audit entry of that write tells."""
    name = trigger["field"]
    entry = (
        AuditEntry.objects.filter(
            object_type=kind.key,
            object_id=str(record.pk),
            action=AuditAction.UPDATE,
            at__lte=occurred_at,
        )
        .order_by("-at", "-id")
        .only("fields")
        .first()
    )
    names = {name, name.removesuffix("_id"), f"{name}_id"}
    if entry is None or not names & set(entry.fields):
        return False
    if trigger.get("to") is None:
        return True
    expected = fields.coerce(kind, name, trigger["to"])
    return conditions._equal(fields.value_of(kind, record, name), expected)


def run_rule(
    rule: Rule,
    record: Any,
    *,
    trigger: str,
    event_name: str = "",
    event_id: Any = None,
    cause: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> Run | None:
    """Evaluate ``rule`` on ``record`` (which its owner may read) and run its
    actions; returns the logged run, or None when a rule's own change
    triggered it (no run: that is how loops stop)."""
    cause = cause or {}
    chain = [str(r) for r in cause.get("rules", [])]
    if str(rule.pk) in chain and not dry_run:
        return None
    kind = record_type(rule.record_type)
    depth = int(cause.get("depth", 0)) + 1
    run = Run(
        rule=rule,
        record_type=kind.key,
        record_id=str(record.pk),
        trigger=trigger,
        event_id=event_id,
        dry_run=dry_run,
        depth=depth,
        started_at=clock.now(),
    )
    skipped = [{"type": a["type"], "status": "skipped", "error": ""} for a in rule.actions]
    if depth > max_depth():
        run.error = f"stopped: a chain of rules reached the depth limit of {max_depth()}"
    elif not rule.owner.is_active:
        run.error = "stopped: the rule's owner is no longer active"
    if run.error:
        run.actions = skipped
        return _finish(run)
    run.matched = conditions.holds(kind, record, rule.conditions)
    if not run.matched:
        run.actions = skipped
        return _finish(run)
    target = Target(rule=rule, kind=kind, record=record, event_name=event_name)
    new_cause = {"rules": [*chain, str(rule.pk)], "depth": depth}
    with (
        audit_channel(Channel.WORKFLOW),
        audit_via(f"rule {rule.pk}: {rule.name}"),
        caused_by(new_cause),
    ):
        if dry_run:
            try:
                with transaction.atomic():
                    run.actions = _act(target, rule.actions)
                    raise _RollBack
            except _RollBack:
                pass
            return _finish(run)
        try:
            with transaction.atomic():
                run.actions = _act(target, rule.actions)
                return _finish(run)
        except IntegrityError:
            # The same event's run was logged meanwhile (a job run twice).
            if event_id and Run.objects.filter(rule=rule, event_id=event_id).exists():
                return None
            raise


def _act(target: Target, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for action in actions:
        result = {"type": action["type"], "status": "done", "error": "", "detail": ""}
        try:
            with transaction.atomic():
                result["detail"] = RUN[action["type"]](target, action)
        except ServiceError as error:
            result.update(status="failed", error=str(error)[:1000])
        except LookupError as error:
            result.update(status="failed", error=str(error)[:1000])
        except Exception as error:
            logger.exception("workflow rule %s: action %s failed", target.rule.pk, action["type"])
            result.update(status="failed", error=f"{type(error).__name__}: {error}"[:1000])
        results.append(result)
    return results


def _finish(run: Run) -> Run:
    run.finished_at = clock.now()
    run.save(force_insert=True)
    return run
