"""Prepared statements for queries that PostgreSQL plans the same way
whatever their parameters: the caller lookups, which read a handful of rows
by a unique or nearly unique key. Planning such a query took seven times as
long as running it (a phone number's four-table join: 0.68 ms against
0.10 ms); prepared, it is planned once per connection.

Only where this block says so. A plan made once for every parameter (the
generic plan PostgreSQL moves to after five executions of a prepared
statement) is wrong where the data is skewed: a contact's timeline planned
for the average contact's 17 activities read all 10 720 of the contact with
the most (44 ms instead of 0.7), and a sales rep's searches, lists and
dashboards, planned without their parameters' values, took up to twice as long. Every
other query is still sent with its parameters bound by psycopg in Kontor's
process and planned for them.

``KONTOR_DB_PREPARED_STATEMENTS=off`` switches it off for a connection
pooler that cannot keep prepared statements (PgBouncer in transaction mode
before 1.21). A migration that changes the type of a column these
statements read makes a connection that prepared them refuse them
("cached plan must not change result type"): restart the servers after
``kontor migrate``, as a deploy does anyway; a column added is no matter.

``fetch_compiled`` spares Django building the same SQL again: the lookups'
query text is made once per connection and shape, on both databases."""

import copy
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import QuerySet
from django.db.models.sql import Query

# How often a connection runs a statement before it is prepared (psycopg's
# default): a statement run once in a connection's life is not kept.
PREPARE_AFTER = 5


@contextmanager
def prepared_statements(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block the queries on ``using`` are bound on the server,
    and each is prepared once the connection has run it ``PREPARE_AFTER``
    times (psycopg keeps the last 100 per connection). On SQLite, or when
    switched off, nothing changes."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.KONTOR_DB_PREPARED_STATEMENTS:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    kept = raw.cursor_factory, raw.prepare_threshold
    raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, PREPARE_AFTER
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = kept


# Per connection (each thread has its own), the compilers of ``fetch_compiled``.
_compiled: WeakKeyDictionary = WeakKeyDictionary()


def fetch_compiled(queryset: QuerySet, *, key: Hashable, params: Sequence) -> list:
    """The rows of ``queryset`` as model instances, its SQL built by Django
    once per connection and ``key`` rather than for every call: building the
    SQL of a lookup (four tables joined, fifty columns) took a quarter of it.

    ``key`` names the query's shape among all callers' — whatever changes
    its SQL text apart from the values, such as how many values an ``IN``
    has; start it with the caller's module name. ``params`` are the query's
    parameters, in the order of its SQL; the first build checks that they
    are exactly what Django made of them."""
    queryset = queryset.all()
    query = queryset.query
    params = tuple(params)

    def get_compiler(using=None, connection=None, elide_empty=True):
        connection = connection or connections[using]
        kept = _compiled.setdefault(connection, {})
        if key not in kept:
            compiler = Query.get_compiler(query, connection=connection, elide_empty=elide_empty)
            sql, built = compiler.as_sql()
            if tuple(built) != params:
                raise ValueError(f"{key!r}: the query's parameters are {built!r}, not {params!r}")
            kept[key] = compiler, sql
        compiler, sql = kept[key]
        compiler = copy.copy(compiler)
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    query.get_compiler = get_compiler
    return list(queryset)
