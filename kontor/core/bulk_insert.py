"""Many new rows of one model in one statement, the quickest way each
database takes them: COPY on PostgreSQL, ``bulk_create`` elsewhere.

On PostgreSQL, ``bulk_create`` builds one ``INSERT … SELECT FROM UNNEST``
whose arrays the client quotes element by element in Python (Django binds
parameters on the client), and the server parses and plans it; COPY streams
the rows in psycopg's C code and skips the planner. For an import's batch
of contacts with their addresses, numbers, search rows, audit entries and
events that is most of the time the writes took in Kontor's process.

The difference callers see: primary keys the database makes (auto
increments) are not read back when COPY wrote the rows, so the instances
keep ``pk=None``. Models with UUID keys (made in Python) have theirs as
with ``bulk_create``. A single row goes through ``bulk_create`` (an INSERT
of one row is as quick)."""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField

_AUTO_KEYS = (AutoField, BigAutoField, SmallAutoField)


def insert_new(model: type[Model], records: Sequence[Model]) -> None:
    """Insert ``records`` (new instances of ``model``) in the caller's
    transaction, as ``bulk_create`` would (defaults and ``auto_now`` values
    filled in, the instances marked as saved), without reading back keys
    the database makes."""
    if not records:
        return
    if len(records) == 1 or connection.vendor != "postgresql" or not _copyable(model, records):
        model._default_manager.bulk_create(records, batch_size=1000)
        return
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not (field.primary_key and isinstance(field, _AUTO_KEYS))
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for record in records:
            copy.write_row([_value(field, record) for field in fields])
            record._state.adding = False
            record._state.db = connection.alias
    if connection.queries_logged:  # counted like any other statement (query count tests)
        connection.queries_log.append({"sql": f"{sql} [{len(records)} rows]", "time": "0.000"})


def _value(field: Field, record: Model) -> Any:
    """What ``bulk_create`` would bind for the field (``auto_now`` set on the record)."""
    return field.get_db_prep_save(field.pre_save(record, True), connection)


def _copyable(model: type[Model], records: Sequence[Model]) -> bool:
    """COPY writes what the instances hold: not for a model with a value
    only the database gives (``db_default`` without a Python default), nor
    for instances that name a key the database would make."""
    if any(f.has_db_default() and not f.has_default() for f in model._meta.concrete_fields):
        return False
    pk = model._meta.pk
    return not (isinstance(pk, _AUTO_KEYS) and any(r.pk is not None for r in records))
