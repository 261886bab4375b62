"""Counts in fixed windows shared by every server process (the API's rate
limits with the cache in the database): one statement per count, a new
window starts at one, a look does not write. That counts made at once are
each counted once is shown by server processes under a burst of requests
(tests/security/test_api_throttling.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontor.core import counters
from kontor.core.counters import count_in_window, prune_window_counts
from kontor.core.models import WindowCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The counters' clock, set by the test (seconds since 1970)."""
    now = {"t": 1_800_000_000}
    monkeypatch.setattr(counters, "_now", lambda: now["t"])
    return now


def test_counts_go_up_within_a_window_and_say_when_it_ends(clock):
    first = count_in_window("token:1", 60)
    clock["t"] += 5
    second = count_in_window("token:1", 60)

    assert first[0] == 1
    assert second[0] == 2
    assert 1 <= second[1] <= 60
    assert second[1] == first[1] - 5, "one window, one end"


def test_a_new_window_begins_at_one(clock):
    _count, left = count_in_window("token:1", 60)
    count_in_window("token:1", 60)
    clock["t"] += left

    assert count_in_window("token:1", 60) == (1, 60)


def test_each_key_counts_on_its_own(clock):
    count_in_window("token:1", 60)
    count_in_window("token:1", 60)

    assert count_in_window("token:2", 60)[0] == 1


def test_keys_windows_end_at_different_times(clock):
    ends = {count_in_window(f"token:{n}", 60)[1] for n in range(20)}
    assert len(ends) > 5, "not every key's window begins at the same second"


def test_a_look_counts_nothing_and_writes_nothing(clock):
    assert count_in_window("address:10.6.6.6", 900, increment=False)[0] == 0
    assert not WindowCount.objects.exists()

    count_in_window("address:10.6.6.6", 900)
    count_in_window("address:10.6.6.6", 900)

    assert count_in_window("address:10.6.6.6", 900, increment=False)[0] == 2
    assert count_in_window("address:10.6.6.6", 900, increment=False)[0] == 2


def test_a_look_after_the_window_ended_finds_nought(clock):
    _count, left = count_in_window("address:10.6.6.6", 900)
    clock["t"] += left

    assert count_in_window("address:10.6.6.6", 900, increment=False) == (0, 900)


def test_a_server_whose_clock_is_behind_counts_into_the_newer_window(clock):
    _count, left = count_in_window("token:1", 60)
    clock["t"] += left  # a server whose clock is right begins the next window
    count_in_window("token:1", 60)
    clock["t"] -= 2  # one whose clock is two seconds behind

    count, left_behind = count_in_window("token:1", 60)

    assert count == 2
    assert left_behind == 62, "the end is the newer window's, by this server's clock"


@pytest.mark.django_db(transaction=True)
def test_a_count_is_one_statement(clock):
    count_in_window("token:1", 60)

    with CaptureQueriesContext(connection) as queries:
        assert count_in_window("token:1", 60)[0] == 2

    counts = [q["sql"] for q in queries.captured_queries if "core_windowcount" in q["sql"]]
    assert len(counts) == 1
    assert counts[0].startswith("INSERT")
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 1, "no transaction, lock or setting around it"
    else:  # the commit does not sync the log: the level is read, lowered and set back
        assert [q["sql"] for q in queries.captured_queries if "PRAGMA" in q["sql"]] == [
            "PRAGMA synchronous",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA synchronous = 2",
        ]


def test_the_table_of_counts_is_unlogged_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: unlogged tables")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'core_windowcount'")
        assert cursor.fetchone() == ("u",)


def test_ended_windows_are_pruned(clock):
    count_in_window("token:old", 60)
    clock["t"] += 61
    count_in_window("token:new", 60)

    assert prune_window_counts() == 1
    assert list(WindowCount.objects.values_list("key", flat=True)) == ["token:new"]
