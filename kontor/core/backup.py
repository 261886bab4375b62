"""Online backups and restores of a Kontor: its database and its attached files.

A backup is one tar archive:

- ``database.sqlite3`` (SQLite: a consistent copy made with SQLite's backup
  API while Kontor keeps running) or ``database.pgdump`` (PostgreSQL:
  ``pg_dump`` in its custom format, a consistent snapshot as well);
- ``media/…``: the attached files, when they are kept in the local folder
  (``KONTOR_MEDIA_ROOT``). Files in S3 storage are not copied: the bucket is
  backed up by its own means;
- ``kontor-backup.json``, the manifest: the database engine, every file with
  its size and SHA-256, and the fingerprints of the encryption keys the
  encrypted values in the database need (the keys themselves are never in a
  backup).

A restore goes into an empty database (a new one, or one that only went
through ``kontor migrate``: no user account, contact or organization yet) and
an empty media folder, and refuses anything else unless forced, so that it
never overwrites data by accident. Before it changes anything it checks that
this Kontor has every encryption key the backup needs and that every file in
the backup is intact. Stop the server before restoring.

Backups made before files were included (a bare SQLite file or ``pg_dump``
file) still restore, database only."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections

from kontor.core import encryption
from kontor.core.cache import is_database_cache

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# A Kontor is in use once it has any of these. Migrations alone write other
# tables too (default roles, permissions, search indexes), but never these.
DATA_TABLES = ("auth_user", "contacts_contact", "contacts_organization")

MANIFEST = "kontor-backup.json"
FORMAT = 1
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """What a backup holds or a restore brought back."""

    files: int
    file_bytes: int
    file_storage: str
    encryption_keys: tuple[str, ...]


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


def _local_files() -> bool:
    return settings.KONTOR_FILE_STORAGE == "local"


def _media_files() -> Iterator[tuple[str, Path]]:
    """(name relative to the media folder, path) of every stored file."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


# Backup ---------------------------------------------------------------------------


def backup(target: Path, alias: str = "default") -> Outcome:
    """Write a backup of the database and the attached files to ``target``
    (replaced atomically: a failed backup leaves no half-written file)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(alias)
    partial = Path(tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)[1])
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".kontor-backup-") as work:
            database = Path(work) / DATABASE_MEMBER[engine]
            if engine == "sqlite":
                keys = _sqlite_backup(alias, database)
            else:
                keys = _pg_dump(alias, database)
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                archive.add(database, arcname=database.name, filter=_anonymous)
                files = _add_media(archive) if _local_files() else []
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "engine": engine,
                    "database": database.name,
                    "file_storage": settings.KONTOR_FILE_STORAGE,
                    "files": files,
                    "encryption_keys": keys,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(partial, 0o600)  # it holds everything: personal data, password hashes
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(
        files=len(files),
        file_bytes=sum(f["size"] for f in files),
        file_storage=settings.KONTOR_FILE_STORAGE,
        encryption_keys=tuple(keys),
    )


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = _anonymous(tarfile.TarInfo(name))
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    with tempfile.SpooledTemporaryFile() as buffer:
        buffer.write(data)
        buffer.seek(0)
        archive.addfile(info, buffer)


class _Hashing:
    """A file that hashes what is read from it."""

    def __init__(self, file: IO[bytes]):
        self.file = file
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _add_media(archive: tarfile.TarFile) -> list[dict[str, Any]]:
    """Add every file of the media folder; their names, sizes and hashes.
    Files are never changed in place (a new upload gets a new name), so each
    is copied whole; one deleted meanwhile is left out."""
    files = []
    for name, path in _media_files():
        try:
            file = path.open("rb")
        except FileNotFoundError:
            continue
        with file:
            info = _anonymous(archive.gettarinfo(fileobj=file, arcname=f"{MEDIA}/{name}"))
            hashing = _Hashing(file)
            archive.addfile(info, hashing)  # type: ignore[arg-type]
        files.append({"name": name, "size": info.size, "sha256": hashing.sha256.hexdigest()})
    return files


# Which encryption keys the data needs ----------------------------------------------


def _encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every column holding encrypted values."""
    from kontor.core.encryption import encrypted_columns

    columns = []
    for column in encrypted_columns():
        model = apps.get_model(column.model)
        columns.append((model._meta.db_table, model._meta.get_field(column.field).column))
    return columns


def _keys_needed(rows_of: Callable[[str, str], Iterable[str]]) -> list[str]:
    """Fingerprints of the configured keys that the encrypted values read by
    ``rows_of(table, column)`` were encrypted with. A backup whose values no
    configured key opens (a key already lost) cannot say which key it needs."""
    keys = encryption.configured_keys()
    used: set[str] = set()
    for table, column in _encrypted_columns():
        for token in rows_of(table, column):
            if len(used) == len(keys):
                return [fp for fp, _fernet in keys]
            for fp, fernet in keys:
                if fp in used:
                    continue
                try:
                    fernet.decrypt(token.encode("ascii"))
                except encryption.InvalidToken:
                    continue
                used.add(fp)
                break
    return [fp for fp, _fernet in keys if fp in used]


def _nonempty(table: str, column: str, quote: Callable[[str], str]) -> str:
    return (
        f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608
        f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
    )


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


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_backup(alias: str, target: Path) -> list[str]:
    """Copy the database to ``target``; the keys its encrypted values need."""
    source = sqlite3.connect(_sqlite_path(alias), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # A self-contained file: no -wal beside it, no cached rate counters.
        copy.execute("PRAGMA journal_mode=DELETE")
        for table in _cache_tables():
            if _has_table(copy, table):
                copy.execute(f"DELETE FROM {_sqlite_quote(table)}")  # noqa: S608
        copy.commit()
        _check_integrity(copy, "The backup")

        def rows_of(table: str, column: str) -> Iterator[str]:
            if _has_table(copy, table):
                for (token,) in copy.execute(_nonempty(table, column, _sqlite_quote)):
                    yield token

        return _keys_needed(rows_of)
    finally:
        copy.close()
        source.close()


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (table,)).fetchone() is not None


def _sqlite_restore(alias: str, source: Path) -> None:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_integrity(backup_db, "The backup's database")
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


def _pg_params(alias: str) -> dict[str, str]:
    """libpq's connection parameters of the database, by environment name."""
    db = connections[alias].settings_dict
    params = {}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            params[variable] = str(db[key])
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        params["PGSSLMODE"] = str(sslmode)
    return params


def _pg_env(alias: str) -> dict[str, str]:
    """libpq's environment for the database (keeps the password off the command line)."""
    return {**os.environ, **_pg_params(alias)}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _pg_dump(alias: str, target: Path) -> list[str]:
    """Dump the database to ``target``; the keys its encrypted values need,
    read from the very snapshot that pg_dump saves (exported to it)."""
    params = _pg_params(alias)
    conninfo = {
        name: params[variable]
        for name, variable in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("user", "PGUSER"),
            ("password", "PGPASSWORD"),
            ("dbname", "PGDATABASE"),
            ("sslmode", "PGSSLMODE"),
        )
        if variable in params
    }
    quote = connections[alias].ops.quote_name
    with psycopg.connect(**conninfo) as snapshot_holder:
        snapshot_holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot_holder.read_only = True
        (snapshot,) = snapshot_holder.execute("SELECT pg_export_snapshot()").fetchone()
        command = [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--snapshot={snapshot}",
            f"--file={target}",
        ]
        command += [f"--exclude-table-data={table}" for table in _cache_tables()]
        _run(command, _pg_env(alias), "pg_dump")

        def rows_of(table: str, column: str) -> Iterator[str]:
            with snapshot_holder.cursor(name=f"kontor_backup_{table}") as cursor:
                cursor.execute(_nonempty(table, column, quote))
                yield from (token for (token,) in cursor)

        return _keys_needed(rows_of)


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


# Restore --------------------------------------------------------------------------


def _kind_of_database_file(head: bytes) -> str | None:
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return None


def _read_manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.load(archive.extractfile(member))  # type: ignore[arg-type]
    except (KeyError, ValueError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is no Kontor backup (no readable {MANIFEST}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} is a Kontor backup of format {manifest.get('format')!r}, which this "
            f"Kontor cannot read (it reads format {FORMAT}); restore it with a matching Kontor."
        )
    return manifest


def _check_engine(kind: str, engine: str, source: Path) -> None:
    if kind != engine:
        raise BackupError(
            f"{source} is a {kind} backup, but the database is {engine}; restore it into a "
            f"{kind} database (DATABASE_URL)."
        )


def _check_keys(needed: list[str]) -> None:
    present = {fp for fp, _fernet in encryption.configured_keys()}
    missing = [fp for fp in needed if fp not in present]
    if missing:
        names = ", ".join(missing)
        key_file = settings.KONTOR_ENCRYPTION_KEY_FILE
        raise BackupError(
            f"This backup's encrypted values (financial and special custom fields, mailbox "
            f"passwords, phone system secrets) need the encryption key with fingerprint "
            f"{names}, which this Kontor does not have (its keys: "
            f"{', '.join(sorted(present)) or 'none'}). Set KONTOR_ENCRYPTION_KEY to the key of "
            f"the Kontor that made the backup (or put it into {key_file}) and restore again. "
            "Nothing was restored."
        )


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The backup names a file outside the media folder: {name!r}.")
    return path


def _media_is_empty() -> bool:
    return next(_media_files(), None) is None


@contextmanager
def _staged_files(archive: tarfile.TarFile, files: list[dict[str, Any]]) -> Iterator[Path]:
    """The backup's files, extracted and checked against their hashes into a
    folder beside the media folder (so that moving them in is a rename)."""
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
    try:
        for entry in files:
            name = _safe_name(entry["name"])
            try:
                member = archive.getmember(f"{MEDIA}/{name}")
                stream = archive.extractfile(member)
            except KeyError:
                stream = None
            if stream is None:
                raise BackupError(f"The backup lacks the file {name} that its manifest lists.")
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with stream, path.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry["sha256"] or path.stat().st_size != entry["size"]:
                raise BackupError(f"The backup's copy of {name} is damaged (checksum differs).")
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_in(staging: Path, files: list[dict[str, Any]]) -> None:
    root = Path(settings.MEDIA_ROOT)
    for entry in files:
        name = _safe_name(entry["name"])
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
        os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS or 0o600)


def restore(source: Path, alias: str = "default", *, force: bool = False) -> Outcome:
    """Restore ``source`` (made by ``backup``) into the database and the media folder."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source} is no file.")
    engine = _engine(alias)
    with source.open("rb") as file:
        kind = _kind_of_database_file(file.read(len(SQLITE_MAGIC)))
    if kind is not None:  # a backup from before files were included
        _check_engine(kind, engine, source)
        _check_empty_database(alias, force)
        _restore_database(alias, engine, source)
        return Outcome(0, 0, "none", ())
    if not tarfile.is_tarfile(source):
        raise BackupError(f"{source} is no Kontor backup.")
    with tarfile.open(source, "r:") as archive:
        manifest = _read_manifest(archive, source)
        _check_engine(manifest["engine"], engine, source)
        _check_keys(manifest.get("encryption_keys", []))
        _check_empty_database(alias, force)
        files = manifest.get("files", [])
        if files and not _local_files():
            raise BackupError(
                f"The backup holds {len(files)} attached files, but this Kontor keeps files in "
                "S3 storage (KONTOR_FILE_STORAGE=s3). Restore with local storage, or copy the "
                f"files under {MEDIA}/ of the backup (a tar archive) into the bucket. Nothing was "
                "restored."
            )
        if files and not force and not _media_is_empty():
            raise BackupError(
                f"The media folder {settings.MEDIA_ROOT} is not empty. Restore into an empty "
                "one, or pass --force to add the backup's files to what is there."
            )
        with (
            _staged_files(archive, files) as staging,
            tempfile.TemporaryDirectory(dir=staging.parent, prefix=".kontor-restore-") as work,
        ):
            member = archive.getmember(manifest["database"])
            archive.extract(member, work, filter="data")
            _restore_database(alias, engine, Path(work) / member.name)
            _move_in(staging, files)
    return Outcome(
        files=len(files),
        file_bytes=sum(f["size"] for f in files),
        file_storage=manifest.get("file_storage", "local"),
        encryption_keys=tuple(manifest.get("encryption_keys", [])),
    )


def _check_empty_database(alias: str, force: bool) -> None:
    if not force and not database_is_empty(alias):
        raise BackupError(
            "The database is not empty. Restore into an empty database, or pass --force "
            "to replace what is there."
        )


def _restore_database(alias: str, engine: str, path: Path) -> None:
    if engine == "sqlite":
        _sqlite_restore(alias, path)
    else:
        _pg_restore(alias, path)
