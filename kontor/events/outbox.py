"""Emitting record changes into the outbox (the transactional outbox).

A domain service calls ``emit`` inside its transaction, after its write: one
INSERT, nothing else in the request. When the transaction commits, the
dispatcher job (``kontor.events.dispatch``) is queued, once per transaction
and only if none is waiting; the ``events.dispatch`` schedule is the safety
net that picks up whatever that missed."""

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from kontor.core.bulk_insert import insert_new, insert_values
from kontor.core.records import record_type_for
from kontor.events.catalogue import event_type
from kontor.events.models import OutboxEvent

_CAUSE: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "kontor_events_cause", default=None
)
_TOGETHER: contextvars.ContextVar[list[OutboxEvent] | None] = contextvars.ContextVar(
    "kontor_events_together", default=None
)


@contextlib.contextmanager
def events_together() -> Iterator[None]:
    """For bulk writes (the ERP sync): the events ``emit`` records inside
    are written in one statement when the block ends (``insert_new``: their
    ids are not read back), in the caller's transaction, in the order they
    were emitted."""
    token = _TOGETHER.set([])
    try:
        yield
        if events := _TOGETHER.get():
            insert_new(OutboxEvent, events)
            _dispatch_after_commit()
    finally:
        _TOGETHER.reset(token)


@contextlib.contextmanager
def caused_by(cause: dict[str, Any]) -> Iterator[None]:
    """The events emitted inside carry ``cause`` (JSON): what made the
    change when no person did (a workflow rule and its chain), so that
    whoever consumes them can tell."""
    token = _CAUSE.set(dict(cause))
    try:
        yield
    finally:
        _CAUSE.reset(token)


def current_cause() -> dict[str, Any]:
    return dict(_CAUSE.get() or {})


def emit(name: str, record: Model, *, record_id: Any = None) -> OutboxEvent:
    """Record that ``name`` happened to ``record``, in the caller's
    transaction. A deleted record keeps its owners in the event (pass
    ``record_id`` when its pk is gone)."""
    kind = event_type(name)  # an unknown name is a bug: fail loudly
    owners: list[int] = []
    if name.endswith(".deleted") and kind.record_type:
        owners = sorted(record_type_for(record).owner_ids(record))
    event = OutboxEvent(
        name=name,
        model=record._meta.label,
        record_id=str(record_id if record_id is not None else record.pk),
        owners=owners,
        cause=current_cause(),
    )
    if (pending := _TOGETHER.get()) is not None:
        pending.append(event)
        return event
    event.save(force_insert=True)
    _dispatch_after_commit()
    return event


def emit_many(name: str, records: Sequence[Model]) -> int:
    """``emit`` for many records made at once (bulk writes): one INSERT, or
    on PostgreSQL one COPY of plain rows without an ``OutboxEvent`` instance
    each (``insert_values``; the events' ids are not read back). Returns
    how many events were written."""
    event_type(name)
    cause = current_cause()
    rows = [
        {"name": name, "model": r._meta.label, "record_id": str(r.pk), "cause": cause}
        for r in records
    ]
    insert_values(OutboxEvent, rows)
    if rows:
        _dispatch_after_commit()
    return len(rows)


def _dispatch_after_commit() -> None:
    """Queue the dispatcher when the transaction commits, once per transaction."""
    if any(callback is _queue_dispatcher for _ids, callback, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_queue_dispatcher, robust=True)


def _queue_dispatcher() -> None:
    from kontor.events.tasks import dispatch_outbox
    from kontor.tasks.services import enqueue

    enqueue(dispatch_outbox, name="Dispatch events", unique_key="events.dispatch")


def events_of(record: Model, names: Sequence[str] | None = None) -> Iterable[OutboxEvent]:
    """The outbox events about ``record`` (tests, support)."""
    events = OutboxEvent.objects.filter(model=record._meta.label, record_id=str(record.pk))
    return events.filter(name__in=names) if names is not None else events
