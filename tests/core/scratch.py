"""Throwaway databases and `kontor` processes for tests that need a real
server or a real database file (backups, crash tests), on the same database
engine as the test run; PostgreSQL clusters of a test's own (crash tests,
read replicas)."""

import atexit
import functools
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.conf import settings


def engine() -> str:
    return "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else "postgresql"


def _postgres_admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url)
    user = config.get("USER") or "postgres"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}"


@contextmanager
def scratch_database(tmp_path: Path, label: str = "db", *, migrated: bool = False) -> Iterator[str]:
    """A DATABASE_URL of an empty database that is gone afterwards; with
    ``migrated``, one with every migration applied (a copy of one migrated
    database per test process: ``kontor migrate`` costs some twenty seconds
    of CPU, a copy a fraction of one)."""
    template = _migrated_template() if migrated else None
    if engine() == "sqlite":
        path = tmp_path / f"{label}.sqlite3"
        if template:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"kontor_scratch_{label}_{secrets.token_hex(4)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    base = _postgres_admin_url()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield f"{base}/{name}"
    finally:
        _drop_database(name)


def _drop_database(name: str) -> None:
    with psycopg.connect(f"{_postgres_admin_url()}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_templates: dict[str, str] = {}


def _migrated_template() -> str:
    """The migrated database that ``scratch_database(migrated=True)`` copies:
    a SQLite file's path or a PostgreSQL database's name, made on first use
    and removed when the test process ends."""
    if template := _templates.get(engine()):
        return template
    folder = Path(tempfile.mkdtemp(prefix="kontor-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    if engine() == "sqlite":
        template = str(folder / "migrated.sqlite3")
        url = f"sqlite:///{template}"
    else:
        template = f"kontor_template_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(f"{_postgres_admin_url()}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{template}"')
        atexit.register(_drop_database, template)
        url = f"{_postgres_admin_url()}/{template}"
    kontor("migrate", "--no-input", url=url, var_dir=folder)
    _templates[engine()] = template
    return template


def query(url: str, sql: str, params: tuple = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` run straight against the database, outside Django."""
    if url.startswith("sqlite:///"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            rows = db.execute(sql, params).fetchall()
            db.commit()
            return rows
        finally:
            db.close()
    with psycopg.connect(url) as db:
        return db.execute(sql.replace("?", "%s"), params).fetchall()


def tables(url: str) -> list[str]:
    if url.startswith("sqlite:///"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    return [row[0] for row in query(url, sql)]


def table_checksums(url: str, *, leave_out: tuple[str, ...] = ("kontor_cache",)) -> dict[str, str]:
    """A SHA-256 of every table's rows (in a fixed order), by table: two
    databases of one engine with equal checksums hold the same rows, value
    for value. The cache is left out (a backup leaves it behind on purpose)."""
    checksums = {}
    for table in tables(url):
        if table in leave_out:
            continue
        rows = query(url, f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalog)
        digest = hashlib.sha256(f"{len(rows)} rows\n".encode())
        for line in sorted(repr(row) for row in rows):
            digest.update(line.encode() + b"\n")
        checksums[table] = digest.hexdigest()
    return checksums


@functools.cache
def _collected_static_files() -> Path:
    """A folder of collected (and compressed) static files, made on first
    use and removed when the test process ends."""
    folder = Path(tempfile.mkdtemp(prefix="kontor-static-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "kontor", "collectstatic", "--no-input"],
        env=_environment(f"sqlite:///{folder}/unused.sqlite3", folder),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / "static"


def _with_static_files(var_dir: Path) -> None:
    """Static files as a deployment has them, copied with their times:
    ``kontor serve`` collects them at each start and compresses what is new,
    ten seconds of two cores in an empty folder."""
    static = var_dir / "static"
    if not static.is_dir() or not any(static.iterdir()):
        shutil.copytree(_collected_static_files(), static, dirs_exist_ok=True)


def _environment(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "KONTOR_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "kontor.settings",
        **extra,
    }


def kontor_env(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``kontor`` process on ``url`` with its files in
    ``var_dir`` (static files already collected)."""
    _with_static_files(var_dir)
    return _environment(url, var_dir, **extra)


def kontor(*args: str, url: str, var_dir: Path, check: bool = True, **extra: str):
    """Run ``kontor ARGS`` against ``url``; the finished process."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "kontor", *args],
        env=kontor_env(url, var_dir, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kontor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, var_dir: Path, port: int, **extra: str) -> subprocess.Popen:
    """``kontor serve`` in its own process group (so a test can kill all of
    it at once); returns when it accepts connections."""
    log = (var_dir / f"serve-{port}.log").open("ab")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kontor", "serve", "--port", str(port), "--workers", "2"],
        env=kontor_env(url, var_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise AssertionError(
                    "kontor serve exited:\n" + (var_dir / f"serve-{port}.log").read_text()
                ) from None
            time.sleep(0.2)
    stop_server(process)
    raise AssertionError("kontor serve did not start in time")


@dataclass
class Servers:
    """Two ``kontor serve`` against one database: their ports and what they share."""

    a: int
    b: int
    url: str
    var_dir: Path

    def tokens(self, *usernames: str) -> list[str]:
        """A new API token of each of ``usernames``, made in one process."""
        script = (
            "from django.contrib.auth import get_user_model\n"
            "from kontor.accounts.services import api_token_create\n"
            f"for name in {list(usernames)!r}:\n"
            "    user = get_user_model().objects.get(username=name)\n"
            "    print(api_token_create(actor=user, user=user, name='test')[1])\n"
        )
        made = kontor("shell", "-v", "0", "-c", script, url=self.url, var_dir=self.var_dir)
        return made.stdout.split()

    def token(self, username: str) -> str:
        """A new API token of ``username``."""
        return self.tokens(username)[0]


@contextmanager
def two_servers(url: str, var_dir: Path, **extra: str) -> Iterator[Servers]:
    """Two ``kontor serve`` on free ports against one database, for the
    ``with`` block."""
    a = start_server(url, var_dir, free_port(), **extra)
    try:
        b = start_server(url, var_dir, free_port(), **extra)
        try:
            a_port, b_port = (int(p.args[p.args.index("--port") + 1]) for p in (a, b))
            yield Servers(a_port, b_port, url, var_dir)
        finally:
            stop_server(b)
    finally:
        stop_server(a)


def stop_server(process: subprocess.Popen) -> None:
    """Killed outright, master and workers: a graceful stop waits up to the
    server's graceful timeout (ten seconds) for open event streams, and no
    test needs one."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


# PostgreSQL clusters of a test's own ---------------------------------------------------


def postgres_binaries() -> Path:
    """The folder of initdb and pg_ctl: pg_config's, else the newest Debian one."""
    candidates = []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run(  # noqa: S603
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        candidates.append(Path(bindir))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    pytest.fail(
        "initdb and pg_ctl were not found (pg_config --bindir, /usr/lib/postgresql/*/bin); "
        "install the PostgreSQL server (Debian: apt install postgresql)",
        pytrace=False,
    )


class Cluster:
    """A PostgreSQL cluster of the test's own on a free port, made by initdb
    (or, for a replica, by ``pg_basebackup``). initdb refuses to run as
    root: then the cluster belongs to the ``postgres`` user. It accepts
    replication connections from 127.0.0.1 (``wal_level=replica``)."""

    def __init__(self, *, initdb: bool = True) -> None:
        self.bin = postgres_binaries()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="kontor-cluster-"))
        self.data = self.directory / "data"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        if initdb:
            self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                     "--encoding=UTF8", "--locale=C")  # fmt: skip
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        assert result.returncode == 0, f"{tool} failed:\n{result.stdout}\n{result.stderr}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} -c fsync=on -c synchronous_commit=on "
            "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on"
        )
        log = str(self.directory / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "120", "start"
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop_immediately(self) -> None:
        """As if the power went: no shutdown checkpoint, recovery from the WAL."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def replica(self) -> "Cluster":
        """A streaming replica of this running cluster (``pg_basebackup -R``:
        a copy of its files that follows its WAL), on a port of its own; not
        started yet."""
        replica = Cluster(initdb=False)
        replica.run("pg_basebackup", "-D", str(replica.data), "-h", "127.0.0.1",
                    "-p", str(self.port), "-U", "postgres", "-R", "-X", "stream",
                    "--checkpoint=fast")  # fmt: skip
        return replica

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(AssertionError):
                self.stop_immediately()
        shutil.rmtree(self.directory, ignore_errors=True)
