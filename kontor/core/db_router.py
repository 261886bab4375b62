"""Read replicas (``KONTOR_DATABASE_REPLICA_URLS``): searches, lists,
dashboards and the warehouse export read from a PostgreSQL streaming
replica; everything else stays on the primary.

Reads go to a replica only inside ``replica_reads()``, which the views of
searches, lists and dashboards and the warehouse export enter. Even there
the primary answers

- every write (``db_for_write`` is always the primary, also for a record
  read from a replica), ``select_for_update`` and everything inside a
  transaction on the primary;
- the tables that must never be behind: sessions, the cache, the task
  queue, the audit trail, login throttling and the warehouse watermarks;
- a user who wrote a moment ago (read your own writes): every request that
  may write (POST, PUT, PATCH, DELETE) leaves a marker for its user in the
  shared cache for ``KONTOR_DATABASE_REPLICA_STICKY_SECONDS``, and while it
  is there that user's reads stay on the primary, on every server process;
- everybody, when the chosen replica cannot be reached (logged).

Migrations run on the primary only. Without replicas configured the router
is not installed and nothing here runs."""

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("kontor.db")

# Apps whose tables are read from the primary even inside replica_reads().
PRIMARY_ONLY_APPS = frozenset(
    {
        "sessions",
        "django_cache",
        "django_tasks_database",
        "tasks",
        "audit",
        "axes",
        "otp_totp",
        "warehouse",
    }
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_replica: ContextVar[str | None] = ContextVar("kontor_replica", default=None)


def replica_aliases() -> list[str]:
    """The database aliases of the configured replicas (none by default)."""
    return list(getattr(settings, "KONTOR_DATABASE_REPLICAS", ()))


def _wrote_key(user_id: Any) -> str:
    return f"kontor:db:wrote:{user_id}"


def note_write(user_id: Any) -> None:
    """Keep this user's reads on the primary for the next few seconds."""
    if replica_aliases():
        cache.set(_wrote_key(user_id), 1, settings.KONTOR_DATABASE_REPLICA_STICKY_SECONDS)


def wrote_recently(user_id: Any) -> bool:
    return cache.get(_wrote_key(user_id)) is not None


def _reachable(alias: str) -> bool:
    connection = connections[alias]
    try:
        # A connection kept from an earlier request may have died with its
        # server: Django's health check (CONN_HEALTH_CHECKS) finds that out.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        logger.warning(
            "Read replica %s cannot be reached, reading from the primary: %s", alias, exc
        )
        return False
    return True


def _choose_replica(user: Any) -> str | None:
    aliases = replica_aliases()
    if not aliases or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    if getattr(user, "is_authenticated", False) and wrote_recently(user.pk):
        return None
    alias = random.choice(aliases)  # noqa: S311 (spreading load, not a secret)
    return alias if _reachable(alias) else None


@contextmanager
def replica_reads(user: Any = None) -> Iterator[str | None]:
    """Reads inside go to one replica (the alias it yields), unless ``user``
    wrote a moment ago, a transaction is open or no replica is there
    (``None``: the primary)."""
    alias = _choose_replica(user)
    token = _replica.set(alias)
    try:
        yield alias
    finally:
        _replica.reset(token)


def reads_from_replica(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A page of searches, lists or figures: its GET reads from a replica."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with replica_reads(request.user):
            return view(request, *args, **kwargs)

    return wrapper


def replayed_until(alias: str) -> datetime | None:
    """The commit time of the last transaction the replica has applied
    (everything committed before it is there), or None when it has applied
    none since it started."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_last_xact_replay_timestamp()")
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def replica_reads_until(now: datetime) -> Iterator[tuple[str | None, datetime]]:
    """Like ``replica_reads()`` for work that resumes where it stopped (the
    warehouse export's watermarks): yields the replica's alias and the time
    up to which everything committed on the primary is in what it reads —
    the replica's last replayed commit (at most ``now``), or ``now`` on the
    primary. A replica that cannot tell (it replayed nothing since it
    started) is not used."""
    with replica_reads() as alias:
        replayed = replayed_until(alias) if alias is not None else None
        if alias is not None and replayed is not None:
            yield alias, min(now, replayed)
            return
    yield None, now


class ReplicaRouter:
    """Installed (DATABASE_ROUTERS) only when replicas are configured."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        alias = _replica.get()
        if (
            alias is None
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """After a request that may have written, the user's reads stay on the
    primary for a few seconds. Switched off without replicas."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method in UNSAFE_METHODS and getattr(user, "is_authenticated", False):
            note_write(user.pk)
        return response
