"""The webhooks' consumer of the outbox: each event becomes one delivery per
active subscription that wants it, in the dispatcher's transaction (so an
event is fanned out exactly once); sending is queued when it commits."""

from django.db import transaction
from django.utils import timezone

from kontor.events.models import OutboxEvent
from kontor.integration.models import WebhookDelivery, WebhookSubscription
from kontor.integration.webhooks.services import matches, retry_window


def fan_out(events: list[OutboxEvent]) -> None:
    subscriptions = list(WebhookSubscription.objects.filter(active=True).only("pk", "events"))
    if not subscriptions:
        return
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            subscription_id=subscription.pk,
            event_id=event.uuid,
            event_name=event.name,
            model=event.model,
            record_id=event.record_id,
            record_key=f"{event.model}:{event.record_id}",
            owners=event.owners,
            occurred_at=event.occurred_at,
            sequence=event.pk,
            next_attempt_at=now,
            give_up_at=now + retry_window(),
        )
        for event in events
        for subscription in subscriptions
        if matches(subscription.events, event.name)
    ]
    if not deliveries:
        return
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    from kontor.integration.webhooks.tasks import queue_sending

    for subscription_id in {d.subscription_id for d in deliveries}:
        transaction.on_commit(lambda pk=subscription_id: queue_sending(pk), robust=True)
