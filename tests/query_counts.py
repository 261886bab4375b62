"""The queries of an API request's own work, for tests that count them.

Around its work every token request does bookkeeping whose queries depend
on the clock, not on the request: the rate limit counts it (in its table
of counts, or in the cache when that is Redis), the token's last use is written when a minute has
passed, and its copy in the cache is read again from the database after a
change of access (kontor.accounts.token_cache). A test that compared two
requests' queries failed when a minute turned between them. Counted here
is the work: what the rate limit's count, the cache's table and the note of
the last use cost is left out (with Redis as the cache those were no queries at all), and so are
savepoints, which the test's own transaction turns the cache's commits into."""

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

_LAST_USE = 'SET "last_used_at"'
_COUNTS = '"core_windowcount"'
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def is_bookkeeping(sql: str) -> bool:
    """A rate limit's count, a query of the cache's table, the note of a
    token's last use, or the savepoints around the cache's writes (inside a
    test's transaction)."""
    table = settings.CACHES["default"].get("LOCATION", "")
    return (
        _COUNTS in sql
        or (bool(table) and f'"{table}"' in sql)
        or ('"accounts_apitoken"' in sql and _LAST_USE in sql)
        or sql.startswith(_SAVEPOINTS)
    )


class CaptureWorkQueries(CaptureQueriesContext):
    """``CaptureQueriesContext`` whose ``work`` leaves out the bookkeeping."""

    def __init__(self) -> None:
        super().__init__(connection)

    @property
    def work(self) -> list[str]:
        return [q["sql"] for q in self.captured_queries if not is_bookkeeping(q["sql"])]
