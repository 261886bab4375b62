"""Emitting record changes into the outbox, and handing them to consumers.

A domain service calls ``emit`` inside its transaction, after its write: one
INSERT, nothing else in the request. When the transaction commits, the
dispatcher job is queued (once per transaction, and only if none is
waiting); the ``events.dispatch`` schedule is the safety net that picks up
whatever that missed. The dispatcher (``dispatch_pending``) takes the
undispatched events in batches, each batch locked (``FOR UPDATE SKIP
LOCKED``; on PostgreSQL an advisory lock keeps batches one after another, so
a record's events reach the consumers in order), calls every registered
consumer with the batch in the same transaction and marks the events
dispatched: each event reaches each consumer exactly once."""

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string

from kontor.core.records import record_type_for
from kontor.events.catalogue import event_type
from kontor.events.models import OutboxEvent

logger = logging.getLogger(__name__)

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


def emit(name: str, record: Model, *, record_id: Any = None) -> OutboxEvent:
    """Record that ``name`` happened to ``record``, in the caller's
    transaction. A deleted record keeps its owners in the event (pass
    ``record_id`` when its pk is gone)."""
    kind = event_type(name)  # an unknown name is a bug: fail loudly
    owners: list[int] = []
    if name.endswith(".deleted") and kind.record_type:
        owners = sorted(record_type_for(record).owner_ids(record))
    event = OutboxEvent.objects.create(
        name=name,
        model=record._meta.label,
        record_id=str(record_id if record_id is not None else record.pk),
        owners=owners,
    )
    _dispatch_after_commit()
    return event


def _dispatch_after_commit() -> None:
    """Queue the dispatcher when the transaction commits, once per transaction."""
    if any(callback is _queue_dispatcher for _ids, callback, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_queue_dispatcher, robust=True)


def _queue_dispatcher() -> None:
    from kontor.events.tasks import dispatch_outbox
    from kontor.tasks.services import enqueue

    enqueue(dispatch_outbox, name="Dispatch events", unique_key="events.dispatch")


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


def events_of(record: Model, names: Sequence[str] | None = None) -> Iterable[OutboxEvent]:
    """The outbox events about ``record`` (tests, support)."""
    events = OutboxEvent.objects.filter(model=record._meta.label, record_id=str(record.pk))
    return events.filter(name__in=names) if names is not None else events
