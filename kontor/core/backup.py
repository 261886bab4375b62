"""Online backups and restores of Kontor's database.

SQLite: the SQLite backup API copies a consistent snapshot while Kontor keeps
running (WAL readers do not block writers); the backup is a plain SQLite file.
PostgreSQL: ``pg_dump`` in its custom format (a consistent snapshot as well),
restored with ``pg_restore`` in a single transaction.

A restore goes into an empty database (a new one, or one that only went
through ``kontor migrate``: no user account, contact or organization yet) and
refuses anything else unless forced, so that it never overwrites data by
accident. Stop the server before restoring."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections

from kontor.core.cache import is_database_cache

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# A Kontor is in use once it has any of these. Migrations alone write other
# tables too (default roles, permissions, search indexes), but never these.
DATA_TABLES = ("auth_user", "contacts_contact", "contacts_organization")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


def _cache_tables() -> set[str]:
    return {cache["LOCATION"] for cache in settings.CACHES.values() if is_database_cache(cache)}


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    return vendor


def database_is_empty(alias: str = "default") -> bool:
    """True if the database has no user account, contact or organization."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in DATA_TABLES:
            if table not in existing:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                return False
    return True


def backup(target: Path, alias: str = "default") -> None:
    """Write a consistent backup of the database to ``target`` (replaced
    atomically: a failed backup leaves no half-written file behind)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)[1])
    try:
        if _engine(alias) == "sqlite":
            _sqlite_backup(alias, partial)
        else:
            _pg_dump(alias, partial)
        os.chmod(partial, 0o600)  # it holds everything: personal data, password hashes
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(source: Path, alias: str = "default", *, force: bool = False) -> None:
    """Restore ``source`` (made by ``backup``) into the database."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source} is no file.")
    engine = _engine(alias)
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    kind = (
        "sqlite"
        if head == SQLITE_MAGIC
        else "postgresql"
        if head.startswith(PG_CUSTOM_MAGIC)
        else None
    )
    if kind is None:
        raise BackupError(
            f"{source} is no Kontor backup (neither SQLite nor pg_dump custom format)."
        )
    if kind != engine:
        raise BackupError(
            f"{source} is a {kind} backup, but the database is {engine}; restore it into a "
            f"{kind} database (DATABASE_URL)."
        )
    if not force and not database_is_empty(alias):
        raise BackupError(
            "The database is not empty. Restore into an empty database, or pass --force "
            "to replace what is there."
        )
    if engine == "sqlite":
        _sqlite_restore(alias, source)
    else:
        _pg_restore(alias, source)


# SQLite ---------------------------------------------------------------------------


def _sqlite_path(alias: str) -> str:
    name = str(connections[alias].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return name


def _check_integrity(db: sqlite3.Connection, what: str) -> None:
    result = db.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(f"{what} is damaged: {result[:5]}")


def _sqlite_backup(alias: str, target: Path) -> None:
    source = sqlite3.connect(_sqlite_path(alias), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # A self-contained file: no -wal beside it, no cached rate counters.
        copy.execute("PRAGMA journal_mode=DELETE")
        for table in _cache_tables():
            if _has_table(copy, table):
                copy.execute(f'DELETE FROM "{table}"')  # noqa: S608
        copy.commit()
        _check_integrity(copy, "The backup")
    finally:
        copy.close()
        source.close()


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (table,)).fetchone() is not None


def _sqlite_restore(alias: str, source: Path) -> None:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_integrity(backup_db, "The backup file")
        connections[alias].close()
        target = sqlite3.connect(_sqlite_path(alias), timeout=30)
        try:
            # The backup API needs matching page sizes in WAL mode; copy in
            # rollback-journal mode, then switch back to WAL.
            target.execute("PRAGMA journal_mode=DELETE")
            backup_db.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            _check_integrity(target, "The restored database")
        finally:
            target.close()
    finally:
        backup_db.close()


# PostgreSQL -----------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed (Debian/Ubuntu: apt install postgresql-client)."
        )
    return path


def _pg_env(alias: str) -> dict[str, str]:
    """libpq's environment for the database (keeps the password off the command line)."""
    db = connections[alias].settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _pg_dump(alias: str, target: Path) -> None:
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}"]
    command += [f"--exclude-table-data={table}" for table in _cache_tables()]
    _run(command, _pg_env(alias), "pg_dump")


def _pg_restore(alias: str, source: Path) -> None:
    connections[alias].close()
    env = _pg_env(alias)
    command = [
        _pg_tool("pg_restore"),
        "--no-password",
        "--no-owner",
        "--no-privileges",
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={env.get('PGDATABASE', '')}",
        str(source),
    ]
    _run(command, env, "pg_restore")
