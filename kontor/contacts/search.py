# SQL here is built from the constant table and column names below; the
# user's search term is always a bound parameter.
# ruff: noqa: S608, S611
"""Index-backed substring search over names, organization names, email
addresses and phone digits.

``%term%`` matching cannot use a B-tree index, and a scan of a million contacts
takes far longer than a search may. So each searchable column gets an index
that serves substring matches:

- PostgreSQL: trigram GIN indexes (``pg_trgm``), created by migration
  ``0003_search_indexes``; the ORM's ``icontains``/``contains`` use them as is.
- SQLite: FTS5 tables with the trigram tokenizer, kept in step with their
  tables by triggers. Django's SQLite schema editor rebuilds a table for many
  ``ALTER``s, which drops its triggers, so ``ensure_sqlite_search_index`` runs
  after every ``migrate`` and rebuilds an index whose triggers are missing.

Terms shorter than three characters have no trigram and fall back to a plain
(scanning) ``LIKE``.
"""

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

MIN_TRIGRAM_LENGTH = 3

# table → (FTS table, indexed columns)
SQLITE_FTS = {
    "contacts_contact": ("contacts_contact_fts", ["display_name", "first_name", "last_name"]),
    "contacts_organization": ("contacts_organization_fts", ["name", "domain", "website"]),
    "contacts_emailaddress": ("contacts_emailaddress_fts", ["normalized", "address"]),
    "contacts_phonenumber": ("contacts_phonenumber_fts", ["digits"]),
}


def _uses_fts(term: str) -> bool:
    return default_connection.vendor == "sqlite" and len(term) >= MIN_TRIGRAM_LENGTH


def _fts_rowids(table: str, columns: list[str], term: str) -> RawSQL:
    fts_table, indexed = SQLITE_FTS[table]
    assert set(columns) <= set(indexed)
    phrase = '"' + term.replace('"', '""') + '"'
    query = f"{{{' '.join(columns)}}} : {phrase}"
    return RawSQL(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH %s", [query])


def text_match(model: type, columns: list[str], term: str) -> Q:
    """Rows of ``model`` where any of ``columns`` contains ``term``, ignoring case."""
    if _uses_fts(term):
        return Q(pk__in=_sqlite_pk_subquery(model, columns, term))
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__icontains": term})
    return condition


def _sqlite_pk_subquery(model: type, columns: list[str], term: str) -> RawSQL:
    rowids = _fts_rowids(model._meta.db_table, columns, term)
    if model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}:
        return rowids  # an integer primary key is the rowid
    # Other primary keys (UUIDs) sit beside SQLite's implicit rowid.
    table = model._meta.db_table
    return RawSQL(f"SELECT id FROM {table} WHERE rowid IN ({rowids.sql})", rowids.params)


def ensure_sqlite_search_index(connection: BaseDatabaseWrapper, rebuild: bool = False) -> None:
    """Create the FTS5 tables and their triggers where missing; rebuild an
    index whose triggers were missing (its table was rebuilt meanwhile)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = {
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            ).fetchall()
        }
        for table, (fts, columns) in SQLITE_FTS.items():
            if table not in existing:
                continue
            cols = ", ".join(columns)
            new = ", ".join(f"new.{c}" for c in columns)
            old = ", ".join(f"old.{c}" for c in columns)
            triggers = {
                f"{fts}_ai": f"AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END",
                f"{fts}_ad": f"AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); END",
                f"{fts}_au": f"AFTER UPDATE OF {cols} ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); "
                f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END",
            }
            needs_rebuild = rebuild or fts not in existing
            if fts not in existing:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
                    "content_rowid='rowid', tokenize='trigram')"
                )
            for name, body in triggers.items():
                if name not in existing:
                    cursor.execute(f"CREATE TRIGGER {name} {body}")
                    needs_rebuild = True
            if needs_rebuild:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


FEW_MATCHES = 5000


def matching_ids(field: str, matches: QuerySet) -> Q | None:
    """``field`` is one of the ids ``matches`` (a flat ``values_list``) selects;
    None when nothing matches.

    On PostgreSQL the ids are read first, up to ``FEW_MATCHES``, and when
    there are no more the condition names them. The planner can only guess
    how many rows ``LIKE '%word%'`` matches; guessing "many" when there are a
    thousand, it walks the list's sort order through a third of the table
    looking for a page of them (seconds). Given the ids, it reads just those.
    With more matches than that, walking the sort order is the quick way, and
    the condition stays a subquery. SQLite never walks for an ``IN``
    subquery, so there the subquery is always right."""
    ids = matches.order_by()
    if default_connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    few = list(ids[: FEW_MATCHES + 1])
    if not few:
        return None
    return Q(**{f"{field}__in": few if len(few) <= FEW_MATCHES else ids})
