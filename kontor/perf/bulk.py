"""The fastest safe write path per database for generated rows: COPY on
PostgreSQL, batched executemany inside large transactions on SQLite.

Rows are tuples of Python values in the column order given; this module turns
them into what each database stores (Django's own representations: UUIDs as
32-char hex and naive UTC timestamps on SQLite)."""

import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction

SQLITE_BATCH = 20_000


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def write_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``table``; returns the number of rows written."""
    count = 0
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(tuple(_pg_value(v) for v in row))
                    count += 1
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
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
