"""The webhooks' jobs on the worker."""

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskContext, task

from kontor.integration.models import DeliveryStatus, WebhookDelivery
from kontor.integration.webhooks.sending import (
    next_due,
    send_due,
    subscriptions_with_due_deliveries,
)
from kontor.tasks.services import enqueue, job_finished

PRUNE_BATCH = 5000


def queue_sending(subscription_id: Any, at: datetime.datetime | None = None) -> None:
    """Queue sending a subscription's deliveries (``at`` a later time: a
    retry, or a lost worker's lease running out), unless a job waits to. A
    waiting retry never holds back new deliveries: they have a key of
    their own."""
    later = at is not None and at > timezone.now()
    enqueue(
        send_deliveries,
        args=[str(subscription_id)],
        name="Send webhooks",
        unique_key=f"webhooks.{'retry' if later else 'send'}:{subscription_id}",
        run_after=at if later else None,
        max_attempts=3,
    )


@task(takes_context=True)
def send_deliveries(context: TaskContext, subscription_id: str) -> int:
    """Send what is due of one subscription. The job gives up its key
    first, so a delivery queued meanwhile queues the next job."""
    job_finished(context.task_result.id)
    tried = send_due(subscription_id)
    if (at := next_due(subscription_id)) is not None:
        queue_sending(subscription_id, at)
    return tried


@task()
def deliver_due() -> int:
    """The schedule's safety net: retries that became due, deliveries of a
    lost worker whose lease ran out."""
    subscriptions = subscriptions_with_due_deliveries()
    for subscription_id in subscriptions:
        queue_sending(subscription_id)
    return len(subscriptions)


@task()
def prune_deliveries() -> int:
    """Delete delivered and failed deliveries older than
    KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS."""
    cutoff = timezone.now() - datetime.timedelta(
        days=settings.KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS
    )
    done = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.DELIVERED, DeliveryStatus.FAILED), updated_at__lt=cutoff
    )
    deleted = 0
    while ids := list(done.order_by().values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return deleted
