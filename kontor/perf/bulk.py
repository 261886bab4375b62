"""The fastest safe write path per database for generated rows: COPY on
PostgreSQL, batched executemany inside large transactions on SQLite.

Rows are tuples of Python values in the column order given, JSON columns as
encoded text; this module turns them into what each database stores (Django's
own representations: UUIDs as 32-char hex and naive UTC timestamps on
SQLite)."""

import datetime
import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection, transaction

SQLITE_BATCH = 20_000


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def uuid7_at(moment: datetime.datetime, rng: random.Random) -> uuid.UUID:
    """The UUIDv7 a record created at ``moment`` would have got, its random
    bits drawn from ``rng`` so that one seed always gives the same data."""
    milliseconds = int(moment.timestamp() * 1000)
    return uuid.UUID(
        int=(milliseconds << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
        | (0b10 << 62) | rng.getrandbits(62)
    )  # fmt: skip


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def write_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``table``; returns the number of rows written."""
    count = 0
    quoted = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {quote(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({quoted}) VALUES ({placeholders})"
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= SQLITE_BATCH:
                with transaction.atomic():
                    cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            with transaction.atomic():
                cursor.executemany(sql, batch)
            count += len(batch)
    return count


def write_table(
    label: str,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    counts: dict[str, int],
    progress: Callable[[str, int], None],
) -> None:
    """``write_rows`` that reports progress every 10 000 rows and adds the
    number written to ``counts[label]``."""

    def counted() -> Iterator[tuple]:
        for number, row in enumerate(rows, 1):
            if number % 10_000 == 0:
                progress(label, 10_000)
            yield row
        progress(label, len(rows) % 10_000)

    counts[label] = counts.get(label, 0) + write_rows(table, columns, counted())


@contextmanager
def bulk_load(tables: Sequence[str], progress: Callable[[str, int], None]) -> Iterator[None]:
    """Wraps a bulk load into ``tables``.

    On PostgreSQL, the load is one transaction, and the secondary (non-unique)
    indexes of the tables are dropped first and built once at the end —
    building an index in one pass is many times faster than maintaining it row
    by row, above all the trigram indexes of the search.
    DDL is transactional there: if the load fails or is killed, the indexes
    are back as before. Their foreign keys are likewise dropped and added again
    at the end, which checks all rows in one pass instead of locking each
    referenced row once per inserted row. The tables are analyzed afterwards
    (and vacuumed on PostgreSQL), so the query planner knows their new size."""
    # SQLite commits batch by batch instead: one transaction would hold the
    # whole load in its write-ahead log.
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic() if postgresql else nullcontext():
        with connection.cursor() as cursor:
            indexes = _secondary_indexes(cursor, tables)
            foreign_keys = _foreign_keys(cursor, tables)
            for table, name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        with connection.cursor() as cursor:
            if indexes:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for name, definition in indexes:
                progress(f"index {name}", 0)
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                progress(f"check {name}", 0)
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
    # VACUUM (outside the transaction) also marks the new pages all-visible,
    # which index-only scans need — as autovacuum would, some time later.
    analyze = "VACUUM ANALYZE" if postgresql else "ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{analyze} {quote(table)}")


def _secondary_indexes(cursor, tables: Sequence[str]) -> list[tuple[str, str]]:
    """Name and definition of every non-unique index on ``tables`` (PostgreSQL),
    the definition with the statistics targets set on the index's columns."""
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
