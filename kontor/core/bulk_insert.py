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
of one row is as quick).

A COPY row is made without Django's ``pre_save`` and ``get_db_prep_save``
per value where they would hand the value back as it is: for each model,
once, every column gets the attribute to read and the Python types that
pass unchanged for its field class on PostgreSQL (a ``str`` for a
``CharField``, an aware ``datetime`` for a ``DateTimeField``, a ``UUID``
for a ``UUIDField``, …). Any other value, a field that sets its value on
save (``auto_now``) and any field class not named here (JSON, encrypted
text, files) still go through Django's conversion, so a row is what
``bulk_create`` would bind (``tests/core/test_bulk_insert.py`` holds the
two side by side)."""

import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db import models as m
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField
from django.utils import timezone

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
    row_of = copy_row_maker(model)
    columns = [field.column for field in _copied_fields(model)]
    copy_rows(model._meta.db_table, columns, (row_of(record) for record in records))
    for record in records:
        record._state.adding = False
        record._state.db = connection.alias


def analyze(models: Iterable[type[Model]]) -> None:
    """Fresh planner statistics for the tables of ``models`` after many new
    rows: without them a query over a table that was small when it was last
    analyzed is planned for that size (a list of 500 contacts' numbers read
    by a scan of all two million: 400 ms instead of 5). Autovacuum would
    catch up only later, or never where it is switched off."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def insert_values(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new rows of ``model`` given as ``{attribute name: value}``,
    without a model instance per row on PostgreSQL (COPY): the fields a row
    does not name take their defaults and ``auto_now`` fields the time, as
    ``bulk_create`` would fill them in, and each value takes the way
    ``insert_new`` gives it. For rows many of which a bulk write makes
    and nothing reads back (audit entries, events, search rows); keys the
    database makes are not read back. Elsewhere (and for a single row) the
    rows become instances written with ``bulk_create``."""
    if not rows:
        return
    if unknown := set(rows[0]) - {field.attname for field in model._meta.concrete_fields}:
        raise ValueError(f"not attributes of {model.__name__}: {sorted(unknown)}")
    if len(rows) == 1 or connection.vendor != "postgresql" or not _copyable(model, ()):
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    columns = [field.column for field in _copied_fields(model)]
    copy_rows(model._meta.db_table, columns, map(values_row_maker(model), rows))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` (values as the database takes them) into ``table``
    with one COPY, in the caller's transaction (PostgreSQL only); returns
    the number of rows."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    if connection.queries_logged:  # counted like any other statement (query count tests)
        connection.queries_log.append({"sql": f"{sql} [{count} rows]", "time": "0.000"})
    return count


def _value(field: Field, record: Model, db: BaseDatabaseWrapper | None = None) -> Any:
    """What ``bulk_create`` would bind for the field (``auto_now`` set on the record)."""
    return field.get_db_prep_save(field.pre_save(record, True), db or connection)


def _copyable(model: type[Model], records: Sequence[Model]) -> bool:
    """COPY writes what the instances hold: not for a model with a value
    only the database gives (``db_default`` without a Python default), nor
    for instances that name a key the database would make."""
    if any(f.has_db_default() and not f.has_default() for f in model._meta.concrete_fields):
        return False
    pk = model._meta.pk
    return not (isinstance(pk, _AUTO_KEYS) and any(r.pk is not None for r in records))


def _copied_fields(model: type[Model]) -> list[Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not (field.primary_key and isinstance(field, _AUTO_KEYS))
    ]


Passes = Callable[[Any], bool]


def _exactly(*types: type) -> Passes:
    return lambda value: type(value) in types


def _any_of(*types: type) -> Passes:
    return lambda value: isinstance(value, types)


def _aware(value: Any) -> bool:
    # Django makes a naive datetime aware (with a warning): not passed as it is
    return isinstance(value, datetime.datetime) and value.tzinfo is not None


# Field classes (exactly these, not subclasses) and the values their
# ``get_db_prep_save`` on PostgreSQL returns as they are (or as a wrapper
# psycopg writes alike, ``Int4(1)`` for ``1``); ``None`` passes too. Text:
# ``to_python`` keeps any ``str`` (the choices' enums too). A ``date`` must be
# exactly one (a ``datetime`` becomes its date), a number exactly an ``int``
# (``True`` becomes ``1``).
_TEXT = _any_of(str)
_INTEGER = _exactly(int)
_UNCHANGED: dict[type[Field], Passes] = {
    m.CharField: _TEXT,
    m.TextField: _TEXT,
    m.EmailField: _TEXT,
    m.SlugField: _TEXT,
    m.URLField: _TEXT,
    m.IntegerField: _INTEGER,
    m.SmallIntegerField: _INTEGER,
    m.BigIntegerField: _INTEGER,
    m.PositiveIntegerField: _INTEGER,
    m.PositiveSmallIntegerField: _INTEGER,
    m.PositiveBigIntegerField: _INTEGER,
    AutoField: _INTEGER,
    BigAutoField: _INTEGER,
    SmallAutoField: _INTEGER,
    m.BooleanField: _exactly(bool),
    m.FloatField: _exactly(float),
    m.UUIDField: _any_of(uuid.UUID),
    m.DateField: _exactly(datetime.date),
    m.DateTimeField: _aware,
}


def _passes(field: Field) -> Passes | None:
    """Which values of ``field`` go into a COPY row as they are; ``None``
    when every value takes Django's way (JSON, encrypted text, files, …)."""
    if field.is_relation:
        if type(field) not in (m.ForeignKey, m.OneToOneField):
            return None
        field = field.target_field
    return _UNCHANGED.get(type(field))


def _set_on_save(field: Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


_MISSING = object()


@cache
def copy_row_maker(
    model: type[Model],
) -> Callable[[Model, BaseDatabaseWrapper | None], list[Any]]:
    """A function giving a record's COPY row for the columns ``insert_new``
    writes, derived once per model; values it does not pass as they are are
    converted for ``db`` (a PostgreSQL connection; the default one if not
    given). ``auto_now`` values are set on the record as ``bulk_create``
    sets them (``pre_save``)."""
    plan = [
        (field, field.attname, _passes(field), _set_on_save(field))
        for field in _copied_fields(model)
    ]

    def row_of(record: Model, db: BaseDatabaseWrapper | None = None) -> list[Any]:
        values = record.__dict__
        row = []
        for field, attname, passes, on_save in plan:
            if passes is None:
                row.append(_value(field, record, db))
                continue
            value = field.pre_save(record, True) if on_save else values.get(attname, _MISSING)
            if value is _MISSING:  # deferred: Django reads it
                row.append(_value(field, record, db))
            elif value is None or passes(value):
                row.append(value)
            else:
                row.append(field.get_db_prep_save(value, db or connection))
        return row

    return row_of


def _now_for(field: Field) -> Any:
    """What ``pre_save`` sets an ``auto_now`` field to."""
    return timezone.now() if isinstance(field, m.DateTimeField) else datetime.date.today()


@cache
def values_row_maker(
    model: type[Model],
) -> Callable[[Mapping[str, Any], BaseDatabaseWrapper | None], list[Any]]:
    """A function giving the COPY row of ``{attribute name: value}`` for
    the columns ``insert_new`` writes (``insert_values``), derived once per
    model: a field the row does not name takes its default (``auto_now``
    fields the time), and a value is converted for ``db`` (a PostgreSQL
    connection; the default one if not given) as ``copy_row_maker``
    converts a record's."""
    plan = [
        (field, field.attname, _passes(field), _set_on_save(field))
        for field in _copied_fields(model)
    ]

    def row_of(values: Mapping[str, Any], db: BaseDatabaseWrapper | None = None) -> list[Any]:
        row = []
        for field, attname, passes, on_save in plan:
            if on_save:  # as ``pre_save`` does, whatever the row says
                value = _now_for(field)
            elif (value := values.get(attname, _MISSING)) is _MISSING:
                value = field.get_default()
            if value is None or (passes is not None and passes(value)):
                row.append(value)
            else:
                row.append(field.get_db_prep_save(value, db or connection))
        return row

    return row_of
