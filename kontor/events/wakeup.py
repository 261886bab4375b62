"""Waking up the event streams of this server process when an event was
published in any process.

``KONTOR_EVENTS_URL`` chooses the channel:

- empty (the default): PostgreSQL's LISTEN/NOTIFY when the database is
  PostgreSQL, else polling;
- ``redis://host:6379/0``: Redis pub/sub (needs the ``redis`` package);
- ``poll://``: no channel; streams read the events table every 250 ms, which
  works everywhere, e.g. with SQLite and several gunicorn workers.

One listener thread per process holds the channel's connection; streams wait
on a condition it signals. While the listener is not connected, streams poll."""

import logging
import threading
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "kontor_events"
RECONNECT_SECONDS = 2.0
LISTEN_TIMEOUT_SECONDS = 1.0


def _mode() -> str:
    url = settings.KONTOR_EVENTS_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    if url.startswith("poll:"):
        return "poll"
    return "postgres" if connection.vendor == "postgresql" else "poll"


class Wakeup:
    """Counts the announcements this process heard; streams wait for the
    count to change."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0
        self._listening = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def generation(self) -> int:
        return self._generation

    def ring(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def wait(self, generation: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._generation != generation, timeout)

    def start(self) -> None:
        """Start this process's listener once (if the channel needs one)."""
        if _mode() == "poll":
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._listen_forever, name="kontor-events-listener", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the listener and close its connection (tests; a process that
        exits just ends, the thread is a daemon)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
        if thread is not None:
            thread.join(timeout=LISTEN_TIMEOUT_SECONDS * 5)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _listen_forever(self) -> None:
        listen = _listen_redis if _mode() == "redis" else _listen_postgres
        while not self.stopping:
            try:
                listen(self)
            except Exception:
                logger.warning("event wake-up channel lost; streams poll meanwhile", exc_info=True)
            finally:
                self._listening = False
            self._stopping.wait(RECONNECT_SECONDS)

    def _connected(self) -> None:
        self._listening = True
        self.ring()  # anything published while disconnected is read now


def _listen_postgres(wakeup: Wakeup) -> None:
    db = connections["default"]
    raw: Any = db.get_new_connection(db.get_connection_params())
    try:
        raw.autocommit = True
        raw.execute(f"LISTEN {CHANNEL}")
        wakeup._connected()
        while not wakeup.stopping:
            for _notify in raw.notifies(timeout=LISTEN_TIMEOUT_SECONDS, stop_after=1):
                wakeup.ring()
            raw.execute("SELECT 1")  # notice a dead connection
    finally:
        raw.close()


@cache
def _redis_client(url: str) -> Any:
    """One client (with its connection pool) per URL and process."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30)


def _listen_redis(wakeup: Wakeup) -> None:
    pubsub = _redis_client(settings.KONTOR_EVENTS_URL).pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(CHANNEL)
        wakeup._connected()
        while not wakeup.stopping:
            if pubsub.get_message(timeout=LISTEN_TIMEOUT_SECONDS) is not None:
                wakeup.ring()
            else:
                pubsub.ping()
    finally:
        pubsub.close()


def announce() -> None:
    """Tell every process's streams, once the current transaction commits,
    that there are new events."""
    mode = _mode()
    if mode == "postgres":
        with connection.cursor() as cursor:  # NOTIFY is delivered at commit
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    elif mode == "redis":
        transaction.on_commit(_publish_redis)
    transaction.on_commit(process_wakeup.ring)


def _publish_redis() -> None:
    try:
        _redis_client(settings.KONTOR_EVENTS_URL).publish(CHANNEL, "1")
    except Exception:
        logger.warning(
            "could not announce an event through Redis; streams will poll", exc_info=True
        )


process_wakeup = Wakeup()
