"""The cache that Kontor's server processes share when it lives in the
database (the default; ``KONTOR_CACHE_URL``).

Django's database cache increments by reading the value and writing it back,
so two processes counting at once may both write the same number and a count
is lost. Here ``incr`` reads and writes the row under a lock, so no count in
the cache is lost: PostgreSQL locks the row (``SELECT … FOR UPDATE``),
SQLite's write transaction (Kontor's connections begin ``IMMEDIATE``) locks
the database. Redis' ``INCR`` is atomic by itself. (The API's rate limits,
which must count every request, count in a table of their own when the cache
is in the database: kontor.core.counters.)

What the cache holds may be lost with the machine (copies of tokens and
access, markers that live seconds), so a cache write that is a transaction
of its own does not wait for the disk: PostgreSQL commits it asynchronously
(``synchronous_commit`` off for that transaction), SQLite without syncing its
write-ahead log (``synchronous`` NORMAL for that commit). That durable commit
cost more than everything else a rate-limited API request does (see
docs/performance.md). A write inside a larger transaction leaves that
transaction as durable as it was."""

import base64
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string


def is_database_cache(config: dict[str, Any]) -> bool:
    """Whether a ``CACHES`` entry keeps its values in a database table."""
    return issubclass(import_string(config["BACKEND"]), BaseDatabaseCache)


@contextmanager
def commit_without_waiting_for_disk(db: str) -> Iterator[None]:
    """Run a write whose commit may be lost in a crash (never half made)
    without waiting for the disk; inside a transaction, as it is."""
    connection = connections[db]
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=db):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (level,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous = {int(level)}")
    else:
        yield


class DatabaseCache(DjangoDatabaseCache):
    def _db_for_write(self) -> str:
        return router.db_for_write(self.cache_model_class)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        # Django's add inserts and lets the unique key refuse an existing
        # entry; a look first keeps that error (one per counted request) out
        # of PostgreSQL's log. Two adds at once still resolve by the key.
        if self.has_key(key, version=version):
            return False
        with commit_without_waiting_for_disk(self._db_for_write()):
            return super().add(key, value, timeout, version)

    def set(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        with commit_without_waiting_for_disk(self._db_for_write()):
            super().set(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = self._db_for_write()
        with commit_without_waiting_for_disk(db):
            return self._incr(db, key, delta)

    def _incr(self, db: str, key: str, delta: int) -> int:
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found.")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s",
                [encoded, key],
            )
        return value

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)

    @staticmethod
    def _expired(connection: Any, expires: Any) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression)
        for converter in converters + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < timezone.now().replace(microsecond=0)
