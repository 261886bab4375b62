"""Handing the outbox's events to their consumers.

The dispatcher (``dispatch_pending``, run by the worker's ``dispatch_outbox``
job) takes the undispatched events in batches, each batch locked (``FOR
UPDATE SKIP LOCKED``; on PostgreSQL an advisory lock keeps batches one after
another, so a record's events reach the consumers in order), calls every
registered consumer with the batch in the same transaction and marks the
events dispatched: each event reaches each consumer exactly once. Events are
marked, not passed by a watermark: an id drawn early may commit late."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kontor.events.models import OutboxEvent

BATCH = 500
PRUNE_BATCH = 5000
# Any constant: the advisory lock that keeps dispatch batches in order.
DISPATCH_LOCK = 7_301_774

_CONSUMERS: list[str] = []


def register_consumer(path: str) -> None:
    """``path`` names ``consume(events: list[OutboxEvent]) -> None``, called
    inside the dispatcher's transaction (e.g. to queue webhook deliveries)."""
    if path not in _CONSUMERS:
        _CONSUMERS.append(path)


def consumers() -> list[Callable[[list[OutboxEvent]], None]]:
    return [import_string(path) for path in _CONSUMERS]


def dispatch_pending(*, limit: int | None = None) -> int:
    """Hand every undispatched event to the consumers; returns how many."""
    dispatched = 0
    while limit is None or dispatched < limit:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISPATCH_LOCK])
            batch = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(dispatched_at__isnull=True)
                .order_by("id")[:BATCH]
            )
            if not batch:
                break
            for consume in consumers():
                consume(batch)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
                dispatched_at=timezone.now()
            )
        dispatched += len(batch)
    return dispatched


def prune_dispatched(now: datetime.datetime | None = None) -> int:
    """Delete dispatched events older than KONTOR_OUTBOX_RETENTION_DAYS."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.KONTOR_OUTBOX_RETENTION_DAYS)
    old = OutboxEvent.objects.filter(dispatched_at__lt=cutoff)
    deleted = 0
    while ids := list(old.order_by().values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    return deleted


def pending_count() -> int:
    return OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
