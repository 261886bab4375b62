"""Data survives crashes: SQLite runs in WAL mode with full syncs and a busy
timeout, and a server killed with SIGKILL in the middle of a stream of writes
has kept every write it acknowledged, with a consistent database."""

import http.client
import json
import os
import signal
import threading
import time

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper

from tests.core.scratch import (
    engine,
    free_port,
    kontor,
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
    """POSTs contacts one after another; remembers every id answered with 201."""

    def __init__(self, port: int, token: str, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.token, self.number, self.stop = port, token, number, stop
        self.acknowledged: list[str] = []
        self.error: Exception | None = None

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = 0
        while not self.stop.is_set() and n < 5000:
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


def test_a_server_killed_mid_write_keeps_every_acknowledged_write(tmp_path):
    with scratch_database(tmp_path, "crash") as url:
        kontor("migrate", url=url, var_dir=tmp_path)
        kontor(
            "createsuperuser",
            "--noinput",
            "--username=crash",
            "--email=crash@example.com",
            url=url,
            var_dir=tmp_path,
            DJANGO_SUPERUSER_PASSWORD="a long crash test password",
        )
        token = kontor("createtoken", "crash", url=url, var_dir=tmp_path).stdout.strip()
        port = free_port()
        server = start_server(url, tmp_path, port, KONTOR_API_RATE_LIMIT="off")
        stop = threading.Event()
        writers = [Writer(port, token, number, stop) for number in range(4)]
        try:
            for writer in writers:
                writer.start()
            deadline = time.monotonic() + 60
            while sum(len(w.acknowledged) for w in writers) < 150:
                assert time.monotonic() < deadline, "the server wrote too slowly"
                assert any(w.is_alive() for w in writers), [w.error for w in writers]
                time.sleep(0.01)
            os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-stream
            server.wait(timeout=20)
        finally:
            stop.set()
            if server.poll() is None:
                stop_server(server)
        for writer in writers:
            writer.join(timeout=20)
        acknowledged = [id_ for writer in writers for id_ in writer.acknowledged]
        assert len(acknowledged) >= 150
        assert any(writer.error is not None for writer in writers), "no write was cut off"

        # The database as found after the crash, before anything else opens it.
        if url.startswith("sqlite"):
            assert query(url, "PRAGMA integrity_check") == [("ok",)]
            assert query(url, "PRAGMA foreign_key_check") == []
        stored = {
            str(row[0]).replace("-", "") for row in query(url, "SELECT id FROM contacts_contact")
        }
        missing = [id_ for id_ in acknowledged if id_.replace("-", "") not in stored]
        assert missing == []
        # Every contact came with its email address, in one transaction: no torn writes.
        assert query(
            url,
            "SELECT COUNT(*) FROM contacts_contact c WHERE NOT EXISTS "
            "(SELECT 1 FROM contacts_emailaddress e WHERE e.contact_id = c.id)",
        ) == [(0,)]

        # And the restarted server serves them.
        port = free_port()
        server = start_server(url, tmp_path, port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            headers = {"Authorization": f"Bearer {token}"}
            for id_ in acknowledged[:: max(1, len(acknowledged) // 40)]:
                conn.request("GET", f"/api/v1/contacts/{id_}", headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, id_
        finally:
            stop_server(server)
