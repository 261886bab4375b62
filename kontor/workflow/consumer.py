"""The workflow's consumer of the outbox: each event that a rule listens
to queues that rule's evaluation on the worker (in the dispatcher's
transaction, so an event queues it exactly once). Nothing runs here."""

from collections import defaultdict

from kontor.events.models import OutboxEvent
from kontor.workflow.models import Rule
from kontor.workflow.spec import EVENT_TRIGGERS

EMAIL_RECEIVED = "email.received"


def queue_rules(events: list[OutboxEvent]) -> None:
    rules = [
        rule
        for rule in Rule.objects.filter(active=True).only("pk", "record_type", "trigger")
        if rule.trigger.get("on") in EVENT_TRIGGERS or rule.trigger.get("on") == "email_received"
    ]
    if not rules:
        return
    by_event: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        on = rule.trigger["on"]
        if on == "email_received":
            by_event[EMAIL_RECEIVED].append(rule)
        else:
            by_event[f"{rule.record_type}.{EVENT_TRIGGERS[on]}"].append(rule)
    from kontor.tasks.services import enqueue
    from kontor.workflow.tasks import evaluate

    for event in events:
        chain = {str(r) for r in (event.cause or {}).get("rules", [])}
        for rule in by_event.get(event.name, []):
            if str(rule.pk) in chain:
                continue  # the rule's own change
            enqueue(
                evaluate,
                kwargs={
                    "rule_id": str(rule.pk),
                    "event_id": str(event.uuid),
                    "event_name": event.name,
                    "model": event.model,
                    "record_id": event.record_id,
                    "occurred_at": event.occurred_at.isoformat(),
                    "cause": event.cause or {},
                },
                name=f"Workflow rule: {rule.pk}"[:200],
                max_attempts=3,
            )
