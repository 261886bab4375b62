"""The server-sent events stream of one browser tab.

A stream lasts ``KONTOR_EVENT_STREAM_SECONDS`` (about a minute), then ends
with a ``retry:`` hint: the browser's EventSource reconnects at once and
sends the last event's id (Last-Event-ID), so nothing is missed, and no server
thread is held by a tab that went away."""

import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from kontor.events.models import Event
from kontor.events.selectors import events_for
from kontor.events.wakeup import process_wakeup

POLL_SECONDS = 0.25  # without a wake-up channel (SQLite): other processes' events
SAFETY_POLL_SECONDS = 5.0  # with one: a missed wake-up costs at most this long
KEEPALIVE_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
RETRY_MILLISECONDS = 1000
MAX_DELIVERED_REMEMBERED = 1000


def format_event(event: Event) -> str:
    data = json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False)
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"id: {event.pk}\nevent: {event.kind}\n{lines}\n"


def event_stream(*, user: AbstractBaseUser, after_id: int) -> Iterator[str]:
    process_wakeup.start()
    deadline = time.monotonic() + settings.KONTOR_EVENT_STREAM_SECONDS
    delivered: set[int] = set()
    last_id = after_id
    last_write = time.monotonic()
    yield f"retry: {RETRY_MILLISECONDS}\n: stream of events for you\n\n"
    while True:
        generation = process_wakeup.generation
        events = events_for(
            user=user, after_id=last_id, delivered=delivered, resumed_after=after_id
        )
        for event in events:
            delivered.add(event.pk)
            last_id = max(last_id, event.pk)
            last_write = time.monotonic()
            yield format_event(event)
        if len(delivered) > MAX_DELIVERED_REMEMBERED:
            delivered = {pk for pk in delivered if pk > last_id - MAX_DELIVERED_REMEMBERED}
        now = time.monotonic()
        if now >= deadline:
            break
        if now - last_write >= KEEPALIVE_SECONDS:
            last_write = now
            yield ": keepalive\n\n"
        pause = SAFETY_POLL_SECONDS if process_wakeup.listening else POLL_SECONDS
        # Events of this process ring at once; the others' through the channel.
        process_wakeup.wait(generation, min(pause, deadline - now, KEEPALIVE_SECONDS))
    yield f"retry: {RETRY_MILLISECONDS}\n: reconnect to go on\n\n"
