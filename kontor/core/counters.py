"""Counts in fixed time windows that every server process shares: the API's
rate limits (kontor.api.throttling) when the cache is the database's (the
default).

A count is one statement on its own table (``WindowCount``): an insert that
adds one to its key's row, or starts the key's next window, and returns what
the row then says. The database makes that atomic by itself (PostgreSQL's
``ON CONFLICT`` on the key, SQLite's single writer), so N requests at once
against a limit of L let exactly L through, whichever processes they reach.
Django's database cache took six statements for the same count (a look, a
transaction, a locked read, a write, a commit).

The counts may be lost with the machine, so their commit does not wait for
the disk: on PostgreSQL the table is unlogged (no write-ahead log; emptied
after a crash), on SQLite the commit does not sync the log
(kontor.core.cache.commit_without_waiting_for_disk).

Each key's windows end at a time of its own (offset by a checksum of the key),
so the tokens' windows do not all begin at the same second."""

import time
import zlib
from contextlib import nullcontext

from django.db import connections, router

from kontor.core.cache import commit_without_waiting_for_disk
from kontor.core.models import WindowCount


def _now() -> int:
    return int(time.time())


def _window_end(key: str, seconds: int, now: int) -> int:
    offset = zlib.crc32(key.encode()) % seconds
    return now - (now - offset) % seconds + seconds


def count_in_window(key: str, seconds: int, *, increment: bool = True) -> tuple[int, int]:
    """The count of ``key`` in its current window of ``seconds`` (after
    counting this one, if ``increment``) and the seconds until that window
    ends."""
    now = _now()
    end = _window_end(key, seconds, now)
    db = router.db_for_write(WindowCount)
    connection = connections[db]
    name = connection.ops.quote_name
    table, key_, end_, count_ = (
        name(n) for n in (WindowCount._meta.db_table, "key", "window_end", "count")
    )
    if not increment:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {count_}, {end_} FROM {table} WHERE {key_} = %s",  # noqa: S608
                [key],
            )
            row = cursor.fetchone()
        return (row[0], row[1] - now) if row and row[1] >= end else (0, end - now)
    # A server whose clock is behind counts into the window the others began.
    newer = f"{table}.{end_} < excluded.{end_}"
    quick = commit_without_waiting_for_disk(db) if connection.vendor == "sqlite" else nullcontext()
    with quick, connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {end_}, {count_}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({key_}) DO UPDATE SET "
            f"{count_} = CASE WHEN {newer} THEN 1 ELSE {table}.{count_} + 1 END, "
            f"{end_} = CASE WHEN {newer} THEN excluded.{end_} ELSE {table}.{end_} END "
            f"RETURNING {count_}, {end_}",
            [key, end],
        )
        count, window_end = cursor.fetchone()
    return count, window_end - now


def prune_window_counts() -> int:
    """Delete the counts whose window ended (their keys begin at nought
    again anyway); how many."""
    deleted, _by_model = WindowCount.objects.filter(window_end__lt=_now()).delete()
    return deleted
