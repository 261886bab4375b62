"""Data survives crashes: SQLite runs in WAL mode with full syncs and a busy
timeout, PostgreSQL confirms commits once they are on disk. A server killed
with SIGKILL in the middle of a stream of writes, a process killed inside a
transaction, and a PostgreSQL server stopped like a power cut under a burst
of writes: every write that was answered with 2xx is there afterwards, and
none is there in part."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper

from tests.core.scratch import (
    Cluster,
    engine,
    free_port,
    kontor,
    kontor_env,
    query,
    scratch_database,
    start_server,
    stop_server,
)


@pytest.mark.skipif(engine() != "sqlite", reason="SQLite only: its settings")
def test_sqlite_runs_in_wal_mode_with_full_sync_and_a_busy_timeout(tmp_path, django_db_blocker):
    """Django's own connection to a database file, made from the settings."""
    connection = DatabaseWrapper(
        {**settings.DATABASES["default"], "NAME": str(tmp_path / "check.sqlite3")}, "check"
    )
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:

            def pragma(name: str):
                return cursor.execute(f"PRAGMA {name}").fetchone()[0]

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 20_000
    finally:
        connection.close()


@pytest.mark.skipif(engine() != "postgresql", reason="PostgreSQL only: its settings")
def test_postgresql_confirms_commits_only_once_they_are_on_disk(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW fsync")
        assert cursor.fetchone()[0] == "on"


class Writer(threading.Thread):
    """POSTs contacts one after another; remembers every id answered with 201.
    Stops at ``stop``, at the first failed connection, or after ``limit``."""

    def __init__(self, port: int, token: str, number: int, stop: threading.Event, limit=5000):
        super().__init__(daemon=True)
        self.port, self.token, self.number, self.stop = port, token, number, stop
        self.limit = limit
        self.acknowledged: list[str] = []
        self.unanswered = 0
        self.error: Exception | None = None

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set() and n < self.limit:
            n += 1
            body = json.dumps(
                {
                    "first_name": f"Writer{self.number}",
                    "last_name": f"Row{n}",
                    "email": f"w{self.number}.r{n}@crash.example",
                }
            )
            try:
                conn.request(
                    "POST",
                    "/api/v1/contacts",
                    body,
                    {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.error = exc  # the server is gone: what was not answered was not acknowledged
                return
            if response.status == 201:
                self.acknowledged.append(json.loads(payload)["id"])
            else:
                self.unanswered += 1


def run_writers(port: int, token: str, *, until_acknowledged: int, crash) -> list[str]:
    """Four writers at once; once they have ``until_acknowledged`` writes
    confirmed, ``crash()`` runs while they go on. The ids confirmed in all."""
    stop = threading.Event()
    writers = [Writer(port, token, number, stop) for number in range(4)]
    for writer in writers:
        writer.start()
    try:
        while sum(len(w.acknowledged) for w in writers) < until_acknowledged:
            # Bounded by the writers themselves (each stops after its limit).
            assert any(w.is_alive() for w in writers), [w.error for w in writers]
            time.sleep(0.01)
        crash()
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert any(w.error is not None or w.unanswered for w in writers), "no write was cut off"
    return [id_ for writer in writers for id_ in writer.acknowledged]


def create_api_user(url: str, var_dir: Path) -> str:
    """Make a superuser in the migrated database, return an API token of theirs."""
    kontor(
        "createsuperuser",
        "--noinput",
        "--username=crash",
        "--email=crash@example.com",
        url=url,
        var_dir=var_dir,
        DJANGO_SUPERUSER_PASSWORD="a long crash test password",
    )
    return kontor("createtoken", "crash", url=url, var_dir=var_dir).stdout.strip()


def _hex(value: object) -> str:
    return str(value).replace("-", "")


def assert_every_acknowledged_write_is_whole(url: str, acknowledged: list[str]) -> None:
    """Every contact answered with 201 is stored; every stored contact (also
    one whose answer never came) is whole: its email address and its audit
    entry were written in the same transaction, or none of them."""
    if url.startswith("sqlite"):
        assert query(url, "PRAGMA integrity_check") == [("ok",)]
        assert query(url, "PRAGMA foreign_key_check") == []
    stored = {_hex(row[0]) for row in query(url, "SELECT id FROM contacts_contact")}
    assert [id_ for id_ in acknowledged if _hex(id_) not in stored] == []
    with_email = {_hex(r[0]) for r in query(url, "SELECT contact_id FROM contacts_emailaddress")}
    audited = {
        _hex(row[0])
        for row in query(
            url,
            "SELECT object_id FROM audit_auditentry "
            "WHERE object_type = 'contact' AND action = 'create'",
        )
    }
    assert stored == with_email
    assert stored == audited


def test_a_server_killed_mid_write_keeps_every_acknowledged_write(tmp_path):
    with scratch_database(tmp_path, "crash", migrated=True) as url:
        token = create_api_user(url, tmp_path)
        port = free_port()
        server = start_server(url, tmp_path, port, KONTOR_API_RATE_LIMIT="off")

        def kill_the_server() -> None:
            os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-stream
            server.wait(timeout=60)

        try:
            acknowledged = run_writers(port, token, until_acknowledged=150, crash=kill_the_server)
        finally:
            stop_server(server)
        assert len(acknowledged) >= 150

        # The database as found after the crash, before anything else opens it.
        assert_every_acknowledged_write_is_whole(url, acknowledged)

        # And the restarted server serves them.
        port = free_port()
        server = start_server(url, tmp_path, port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {token}"}
            for id_ in acknowledged[:: max(1, len(acknowledged) // 40)]:
                conn.request("GET", f"/api/v1/contacts/{id_}", headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, id_
        finally:
            stop_server(server)


# A process killed inside a transaction --------------------------------------------

HALF_DONE = r"""
import time
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from kontor.contacts.services import contact_create

actor = get_user_model().objects.get(username="crash")
address = {"address": "done@crash.example"}
contact_create(actor=actor, data={"first_name": "Committed", "emails": [address]})
if connection.vendor == "sqlite":
    # A tiny page cache: the transaction's pages spill into the WAL file
    # before it commits, so the crash leaves uncommitted frames on disk.
    connection.cursor().execute("PRAGMA cache_size = 8")
with transaction.atomic():
    for n in range(300):
        address = {"address": f"h{n}@crash.example"}
        contact_create(actor=actor, data={"first_name": "Half", "emails": [address]})
    print("inside the transaction", flush=True)
    time.sleep(600)
"""

AFTERWARDS = r"""
from django.contrib.auth import get_user_model
from kontor.contacts.services import contact_create

actor = get_user_model().objects.get(username="crash")
address = {"address": "next@crash.example"}
contact_create(actor=actor, data={"first_name": "Afterwards", "emails": [address]})
"""


def test_a_process_killed_mid_transaction_leaves_nothing_of_it(tmp_path):
    with scratch_database(tmp_path, "half", migrated=True) as url:
        create_api_user(url, tmp_path)
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "kontor", "shell", "-c", HALF_DONE],
            env=kontor_env(url, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # (The shell may say first what it imported.)
            lines = iter(process.stdout.readline, "")
            assert "inside the transaction\n" in lines, process.stderr.read()
            if url.startswith("sqlite"):
                wal = Path(url.removeprefix("sqlite:///") + "-wal")
                assert wal.stat().st_size > 100_000  # the uncommitted work is on disk
        finally:
            process.kill()
            process.wait(timeout=60)

        if url.startswith("sqlite"):
            assert query(url, "PRAGMA integrity_check") == [("ok",)]
        names = query(url, "SELECT first_name FROM contacts_contact")
        assert names == [("Committed",)]
        assert query(url, "SELECT COUNT(*) FROM contacts_emailaddress") == [(1,)]
        # Nothing is left locked: the next write goes through.
        kontor("shell", "-c", AFTERWARDS, url=url, var_dir=tmp_path)
        assert sorted(query(url, "SELECT first_name FROM contacts_contact")) == [
            ("Afterwards",),
            ("Committed",),
        ]


# PostgreSQL killed under a burst of writes -----------------------------------------


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.skipif(engine() != "postgresql", reason="PostgreSQL only: its own server killed")
def test_a_database_killed_mid_write_keeps_every_acknowledged_write(tmp_path, cluster):
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE kontor")
    url = cluster.url("kontor")
    kontor("migrate", url=url, var_dir=tmp_path)
    token = create_api_user(url, tmp_path)
    port = free_port()
    server = start_server(url, tmp_path, port, KONTOR_API_RATE_LIMIT="off")
    try:
        acknowledged = run_writers(
            port, token, until_acknowledged=150, crash=cluster.stop_immediately
        )
        assert len(acknowledged) >= 150

        cluster.start()  # recovers from its WAL
        assert_every_acknowledged_write_is_whole(url, acknowledged)

        # The running server reconnects: within a few requests writes go through again.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        statuses = []
        for n in range(10):
            body = json.dumps({"email": f"after.{n}@crash.example"})
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            conn.request("POST", "/api/v1/contacts", body, headers)
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            if response.status == 201:
                break
        assert statuses[-1] == 201, statuses
    finally:
        stop_server(server)
