"""The audit table is append-only in the database itself.

PostgreSQL: a trigger rejects UPDATE, DELETE and TRUNCATE unless the
transaction set ``kontor.audit_unlocked`` to ``on`` (``SET LOCAL``, so it
ends with the transaction).

SQLite has no session variables. Its triggers ask the function
``kontor_audit_unlocked()``, which Kontor registers on each of its own
connections and which answers 1 only inside ``audit_unlocked()``; any other
program that opens the file lacks the function, so its UPDATE or DELETE
fails too.

``audit_unlocked()`` is the documented bypass: only the retention purge,
GDPR erasure and ``kontor flush`` (which empties the whole database) use it."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

TABLE = "audit_auditentry"
_unlocked: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_unlocked", default=False)


def _sqlite_unlocked() -> int:
    return 1 if _unlocked.get() else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "kontor_audit_unlocked", 0, _sqlite_unlocked, deterministic=False
        )


@contextmanager
def audit_unlocked(using: str = "default") -> Iterator[None]:
    """Allow changes to the audit table within one transaction."""
    connection = connections[using]
    with transaction.atomic(using=using):
        token = _unlocked.set(True)
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('kontor.audit_unlocked', 'on', true)")
            yield
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('kontor.audit_unlocked', 'off', true)")
        finally:
            _unlocked.reset(token)


POSTGRESQL_CREATE = f"""
CREATE OR REPLACE FUNCTION kontor_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('kontor.audit_unlocked', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION kontor_audit_append_only();
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION kontor_audit_append_only();
"""
POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS kontor_audit_append_only();
"""
SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {TABLE}
        WHEN kontor_audit_unlocked() = 0
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {TABLE}
        WHEN kontor_audit_unlocked() = 0
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (DELETE refused)'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]


def create_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_CREATE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_CREATE:
                cursor.execute(statement)


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_DROP)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_DROP:
                cursor.execute(statement)
