"""The fastest safe write path per database for generated rows: COPY on
PostgreSQL, batched executemany inside large transactions on SQLite.

Rows are tuples of Python values in the column order given, JSON columns as
encoded text; this module turns them into what each database stores (Django's
own representations: UUIDs as 32-char hex and naive UTC timestamps on
SQLite). The generator's hot rows skip that step: they are built from the
start in the text both databases take as it is (``Moments``, ``uuid7_hex``)
and written with ``stored=True``."""

import datetime
import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection, transaction

from kontor.contacts.search import SQLITE_FTS
from kontor.core.bulk_insert import copy_rows

SQLITE_BATCH = 20_000


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


_UUID7_FIXED = (0x7 << 76) | (0b10 << 62)  # version 7, RFC 4122 variant
_LOW_62 = (1 << 62) - 1
UUID7_RANDOM_BITS = 74


def _uuid7_int(milliseconds: int, bits: int) -> int:
    """The 128 bits of the UUIDv7 of ``milliseconds`` since the epoch with the
    74 random bits ``bits`` (12 before the variant, 62 after it)."""
    return (milliseconds << 80) | ((bits >> 62) << 64) | (bits & _LOW_62) | _UUID7_FIXED


def uuid7_at(moment: datetime.datetime, rng: random.Random) -> uuid.UUID:
    """The UUIDv7 a record created at ``moment`` would have got, its random
    bits drawn from ``rng`` so that one seed always gives the same data."""
    milliseconds = int(moment.timestamp() * 1000)
    return uuid.UUID(int=_uuid7_int(milliseconds, rng.getrandbits(UUID7_RANDOM_BITS)))


def uuid7_hex(milliseconds: int, bits: int) -> str:
    """``uuid7_at`` for a moment in milliseconds since the epoch and its
    random bits, as the 32 hex digits SQLite stores for a ``UUIDField`` and
    PostgreSQL reads as a ``uuid``: no ``UUID`` object on the way."""
    return "%032x" % _uuid7_int(milliseconds, bits)  # noqa: UP031 (quicker than format())


DAY_MS = 86_400_000


class Moments:
    """The text of UTC moments, given in milliseconds since the epoch, as the
    connection's database takes them for a ``DateTimeField``: on SQLite what
    Django stores (``2026-12-06 09:30:12.345000``, without a fraction when
    it is zero), on PostgreSQL the same with ``+00:00``. Built from three
    tables (days, seconds of a day, milliseconds), which is several times
    quicker than a ``datetime``, its conversion and ``isoformat`` per value."""

    def __init__(self, vendor: str) -> None:
        zone = "+00:00" if vendor == "postgresql" else ""
        self._days: dict[int, str] = {}
        self._seconds = [
            f"{hour:02d}:{minute:02d}:{second:02d}"
            for hour in range(24)
            for minute in range(60)
            for second in range(60)
        ]
        self._fractions = [zone] + [f".{ms:03d}000{zone}" for ms in range(1, 1000)]

    def text(self, milliseconds: int) -> str:
        day, rest = divmod(milliseconds, DAY_MS)
        try:
            date = self._days[day]
        except KeyError:
            moment = datetime.datetime.fromtimestamp(day * 86_400, datetime.UTC)
            date = self._days[day] = f"{moment.date().isoformat()} "
        return date + self._seconds[rest // 1000] + self._fractions[rest % 1000]


def _sqlite_datetime(value: datetime.datetime) -> str:
    if value.tzinfo is not datetime.UTC:
        value = value.astimezone(datetime.UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ")


# What SQLite stores for the values that need converting, by their type.
_SQLITE_CONVERSIONS: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: lambda value: value.hex,
    datetime.datetime: _sqlite_datetime,
}


def write_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``table``; returns the number of rows written."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            return copy_rows(table, columns, rows)
    count = 0
    batch: list[tuple] = []
    convert = _SQLITE_CONVERSIONS
    with connection.cursor() as cursor:
        for row in rows:
            # Inline rather than a call per value: most values are stored as they are.
            batch.append(
                tuple([convert[v.__class__](v) if v.__class__ in convert else v for v in row])
            )
            if len(batch) >= SQLITE_BATCH:
                count += _insert_many(cursor, table, columns, batch)
                batch.clear()
        if batch:
            count += _insert_many(cursor, table, columns, batch)
    return count


def _insert_many(cursor, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """One ``executemany`` of ``rows`` as they are (SQLite), in a transaction
    of its own unless the caller's (a load's) is open: no savepoint per
    batch, since a load is kept or rolled back as a whole."""
    quoted = ", ".join(quote(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with transaction.atomic(savepoint=False):
        cursor.executemany(f"INSERT INTO {quote(table)} ({quoted}) VALUES ({placeholders})", rows)
    return len(rows)


PROGRESS_STEP = 10_000


def write_table(
    label: str,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    counts: dict[str, int],
    progress: Callable[[str, int], None],
    *,
    stored: bool = False,
) -> None:
    """``write_rows`` that reports progress every 10 000 rows and adds the
    number written to ``counts[label]``. With ``stored``, the rows hold
    only values the database takes as they are (text, numbers, ``None``:
    UUIDs and moments already in their text form) and go to SQLite without
    a look at each value."""
    if stored and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for start in range(0, len(rows), PROGRESS_STEP):
                written = _insert_many(cursor, table, columns, rows[start : start + PROGRESS_STEP])
                progress(label, written)
        counts[label] = counts.get(label, 0) + len(rows)
        return

    def counted() -> Iterator[tuple]:
        for number, row in enumerate(rows, 1):
            if number % PROGRESS_STEP == 0:
                progress(label, PROGRESS_STEP)
            yield row
        progress(label, len(rows) % PROGRESS_STEP)

    counts[label] = counts.get(label, 0) + write_rows(table, columns, counted())


@contextmanager
def bulk_load(tables: Sequence[str], progress: Callable[[str, int], None]) -> Iterator[None]:
    """Wraps a bulk load into ``tables``, as one transaction.

    The secondary (non-unique) indexes of the tables are dropped first and
    built once at the end — building an index in one pass is many times
    faster than maintaining it row by row, above all the trigram indexes of
    the search on PostgreSQL. There, their foreign keys are likewise dropped
    and added again at the end, which checks all rows in one pass instead of
    locking each referenced row once per inserted row.

    On SQLite, the triggers that keep the FTS5 search tables of ``tables`` in
    step are dropped too, and each search table is rebuilt in one pass at
    the end, before the triggers are created again (row by row, the triggers
    made the load several times slower).

    DDL is transactional on both: if the load fails or the process is killed,
    the indexes, keys and triggers are back as before, with none of the rows.
    The tables are analyzed afterwards (and vacuumed on PostgreSQL), so the
    query planner knows their new size."""
    postgresql = connection.vendor == "postgresql"
    with _sqlite_load_pragmas() if not postgresql else nullcontext(), transaction.atomic():
        with connection.cursor() as cursor:
            indexes = _secondary_indexes(cursor, tables)
            foreign_keys = _foreign_keys(cursor, tables)
            triggers = _search_triggers(cursor, tables)
            for table, name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            for _, name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {quote(name)}")
        yield
        with connection.cursor() as cursor:
            if indexes and postgresql:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for name, definition in indexes:
                progress(f"index {name}", 0)
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                progress(f"check {name}", 0)
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            for fts in dict.fromkeys(fts for fts, _, _ in triggers):
                progress(f"search {fts}", 0)
                cursor.execute(f"INSERT INTO {quote(fts)}({quote(fts)}) VALUES ('rebuild')")
            for _, _, definition in triggers:
                cursor.execute(definition)
    # VACUUM (outside the transaction) also marks the new pages all-visible,
    # which index-only scans need — as autovacuum would, some time later.
    analyze = "VACUUM ANALYZE" if postgresql else "ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{analyze} {quote(table)}")


@contextmanager
def _sqlite_load_pragmas() -> Iterator[None]:
    """A SQLite connection set up for one large transaction: a page cache
    large enough for the tables' indexes (1 GiB at most, taken as needed),
    so that fewer pages go to the write-ahead log before the commit, and
    temporary sorts in memory. Put back as they were at the end."""
    names = ("cache_size", "temp_store")
    with connection.cursor() as cursor:
        before = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in names}
        cursor.execute("PRAGMA cache_size = -1048576")
        cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


def _search_triggers(cursor, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """Search table, name and definition of every trigger that keeps an FTS5
    search table of ``tables`` in step (SQLite)."""
    if connection.vendor != "sqlite":
        return []
    triggers = []
    for table in tables:
        if table not in SQLITE_FTS:
            continue
        fts = SQLITE_FTS[table][0]
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            "ORDER BY name",
            [table],
        )
        triggers += [
            (fts, name, sql) for name, sql in cursor.fetchall() if name.startswith(f"{fts}_")
        ]
    return triggers


def _secondary_indexes(cursor, tables: Sequence[str]) -> list[tuple[str, str]]:
    """Name and definition of every non-unique index on ``tables``, on
    PostgreSQL the definition with the statistics targets set on the index's
    columns."""
    if connection.vendor == "sqlite":
        placeholders = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND sql LIKE 'CREATE INDEX%%' AND tbl_name IN ({placeholders}) ORDER BY name",
            list(tables),
        )
        return cursor.fetchall()
    if connection.vendor != "postgresql":
        return []
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid),
               array_agg(a.attnum || ' ' || a.attstattarget) FILTER (WHERE a.attstattarget > 0)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_attribute a ON a.attrelid = i.oid
        WHERE t.relname = ANY(%s) AND pg_table_is_visible(t.oid) AND NOT x.indisunique
        GROUP BY i.relname, i.oid
        ORDER BY i.relname
        """,
        [list(tables)],
    )
    indexes = []
    for name, definition, statistics in cursor.fetchall():
        for setting in statistics or []:
            column, target = setting.split()
            definition += (
                f"; ALTER INDEX {quote(name)} ALTER COLUMN {int(column)} "
                f"SET STATISTICS {int(target)}"
            )
        indexes.append((name, definition))
    return indexes


def _foreign_keys(cursor, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """Table, name and definition of every foreign key of ``tables`` (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
        ORDER BY t.relname, c.conname
        """,
        [list(tables)],
    )
    return cursor.fetchall()
