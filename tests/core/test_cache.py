"""The shared cache in the database: a write that is a transaction of its own
(a rate limit's count) commits without waiting for the disk; a write inside a
larger transaction leaves that transaction as durable as it was."""

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kontor.core.cache import DatabaseCache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():
    # The cache table is no model's: a transactional test's flush keeps it.
    caches["default"].clear()
    yield
    caches["default"].clear()


WITHOUT_WAITING = {
    "postgresql": "SET LOCAL synchronous_commit TO OFF",
    "sqlite": "PRAGMA synchronous = NORMAL",
}


def _durability() -> str:
    """The database's setting for how a commit reaches the disk, as text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW synchronous_commit")
        else:
            cursor.execute("PRAGMA synchronous")
        return str(cursor.fetchone()[0])


def _write(cache, write: str) -> None:
    if write == "add":
        assert cache.add("fresh", 1)
    elif write == "set":
        cache.set("marker", 1)
    else:
        assert cache.incr("counter") == 2


@pytest.mark.parametrize("write", ["add", "set", "incr"])
def test_a_cache_write_of_its_own_does_not_wait_for_the_disk(write):
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    cache.add("counter", 1)
    durable = _durability()

    with CaptureQueriesContext(connection) as queries:
        _write(cache, write)

    statements = [query["sql"] for query in queries.captured_queries]
    assert WITHOUT_WAITING[connection.vendor] in statements
    assert _durability() == durable, "the connection's own setting is back"
    assert durable in {"on", "2"}  # PostgreSQL's and SQLite's (FULL) default


@pytest.mark.parametrize("write", ["add", "set", "incr"])
def test_a_cache_write_inside_a_transaction_leaves_it_durable(write):
    cache = caches["default"]
    cache.add("counter", 1)
    durable = _durability()

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _write(cache, write)
        inside = _durability()

    statements = [query["sql"] for query in queries.captured_queries]
    assert WITHOUT_WAITING[connection.vendor] not in statements
    assert inside == durable


def test_a_count_that_cannot_be_made_leaves_the_setting_as_it_was():
    cache = caches["default"]
    durable = _durability()

    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-added")

    assert _durability() == durable
