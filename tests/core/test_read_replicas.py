"""Read replicas against a real one: the test makes a PostgreSQL cluster
and a streaming replica of it (``pg_basebackup -R``), runs ``kontor serve``
with KONTOR_DATABASE_REPLICA_URLS, and pauses the replica's replay so that
what the replica has and what the primary has differ. Which answer a
request gets shows which database answered it."""

import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.core.scratch import (
    Cluster,
    engine,
    free_port,
    kontor,
    query,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.skipif(
    engine() != "postgresql", reason="PostgreSQL only: streaming replication"
)


def _wait_for(condition, seconds: float = 120.0) -> bool:
    """Whether ``condition`` became true; the limit only ends a broken run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@dataclass
class Setup:
    primary: Cluster
    replica: Cluster
    var_dir: Path
    url: str = ""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A primary with Kontor migrated (users ``admin`` and ``reader``) and
    its streaming replica, shared by the tests here (making them takes
    minutes)."""
    primary = Cluster()
    replica = None
    try:
        primary.start()
        with psycopg.connect(primary.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE kontor")
        replica = primary.replica()
        replica.start()
        var_dir = tmp_path_factory.mktemp("replicas")
        url = primary.url("kontor")
        kontor("start", "--no-serve", "--no-demo", url=url, var_dir=var_dir)
        kontor(
            "createsuperuser", "--noinput", "--username=reader", "--email=reader@example.com",
            url=url, var_dir=var_dir, DJANGO_SUPERUSER_PASSWORD="a long replica test password",
        )  # fmt: skip
        yield Setup(primary, replica, var_dir, url)
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


@contextmanager
def replay_paused(setup: Setup) -> Iterator[None]:
    """The replica stops applying the primary's changes: inside, it lacks
    every write, and an answer without them came from it."""
    replica = setup.replica.url()
    assert _wait_for(lambda: _caught_up(setup.primary, setup.replica))
    query(replica, "SELECT pg_wal_replay_pause()")
    try:
        paused = "SELECT pg_get_wal_replay_pause_state()"
        assert _wait_for(lambda: query(replica, paused) == [("paused",)])
        yield
    finally:
        query(replica, "SELECT pg_wal_replay_resume()")
    assert _wait_for(lambda: _caught_up(setup.primary, setup.replica))


def _caught_up(primary: Cluster, replica: Cluster) -> bool:
    [(wanted,)] = query(primary.url(), "SELECT pg_current_wal_lsn()::text")
    [(behind,)] = query(
        replica.url(), "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", (wanted,)
    )
    return behind <= 0


class Api:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        conn.request(method, path, json.dumps(body) if body else None, headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, json.loads(data) if data else {}

    def create_contact(self, last_name: str) -> str:
        status, created = self.call(
            "POST", "/api/v1/contacts", {"first_name": "Rita", "last_name": last_name}
        )
        assert status == 201, created
        return created["id"]

    def listed(self, path: str) -> set[str]:
        status, page = self.call("GET", path)
        assert status == 200, page
        return {item["id"] for item in page["items"]}


def _token(username: str, setup: Setup) -> str:
    return kontor("createtoken", username, url=setup.url, var_dir=setup.var_dir).stdout.strip()


def _count(url: str) -> int:
    return query(url, "SELECT count(*) FROM contacts_contact")[0][0]


def test_lists_and_searches_are_read_from_the_replica_and_a_writer_reads_its_writes(setup):
    url, replica_url = setup.url, setup.replica.url("kontor")
    port = free_port()
    server = start_server(
        url,
        setup.var_dir,
        port,
        KONTOR_DATABASE_REPLICA_URLS=replica_url,
        KONTOR_DATABASE_REPLICA_STICKY_SECONDS="3",
        KONTOR_API_RATE_LIMIT="off",
    )
    writer, reader = Api(port, _token("admin", setup)), Api(port, _token("reader", setup))
    try:
        before = writer.create_contact("Vorher")
        with replay_paused(setup):
            new = writer.create_contact("Replikat")
            assert _count(replica_url) == _count(url) - 1

            # The writer reads its own write at once, from the primary.
            assert new in writer.listed("/api/v1/contacts")
            assert new in writer.listed("/api/v1/contacts?q=Replikat")
            # Everybody else's lists and searches come from the replica.
            assert new not in reader.listed("/api/v1/contacts")
            assert before in reader.listed("/api/v1/contacts")
            assert reader.listed("/api/v1/contacts?q=Replikat") == set()
            assert reader.listed("/api/v1/contacts?q=Vorher") == {before}
            # A record's own page is no list: it is read from the primary.
            status, shown = reader.call("GET", f"/api/v1/contacts/{new}")
            assert (status, shown["last_name"]) == (200, "Replikat")

            # The writer's marker runs out: its lists go to the replica again.
            assert _wait_for(lambda: new not in writer.listed("/api/v1/contacts"))

            # Writes go to the primary even from a reader whose lists come
            # from the replica (a hot standby refuses them: read-only).
            third = reader.create_contact("Dritte")
            assert _count(replica_url) == _count(url) - 2
            assert third in reader.listed("/api/v1/contacts")  # the reader wrote now

            # Kontor's connections to the replica are open, and the replica
            # never saw a write.
            sessions = query(
                setup.replica.url(),
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'kontor' "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )
            assert sessions[0][0] >= 1
            assert "read-only transaction" not in setup.replica.log()

        # Replay resumed: the reader's lists catch up.
        assert _wait_for(lambda: {before, new, third} <= reader.listed("/api/v1/contacts"))

        # Without the replica, lists are read from the primary (asked as the
        # writer, whose marker ran out above: the reader wrote just now).
        setup.replica.stop()
        try:
            assert {before, new, third} <= writer.listed("/api/v1/contacts")
            status, _figures = writer.call("GET", "/api/v1/analytics/pipeline")
            assert status == 200
        finally:
            setup.replica.start()
        log = (setup.var_dir / f"serve-{port}.log").read_text()
        assert "Read replica replica_1 cannot be reached, reading from the primary" in log, log
    finally:
        stop_server(server)


def test_the_warehouse_export_reads_the_replica_and_stops_its_watermark_at_the_replay(setup):
    url, var_dir = setup.url, setup.var_dir
    port = free_port()
    server = start_server(url, var_dir, port, KONTOR_API_RATE_LIMIT="off")
    api = Api(port, _token("admin", setup))
    warehouse = var_dir / "warehouse"
    env = {"KONTOR_DATABASE_REPLICA_URLS": setup.replica.url("kontor")}

    def exported_contacts() -> set[str]:
        result = kontor(
            "warehouse", "query", str(warehouse), "SELECT contact_id FROM dim_contact", "--csv",
            url=url, var_dir=var_dir,
        )  # fmt: skip
        return {line.strip().replace("-", "") for line in result.stdout.splitlines()[1:]}

    def ids() -> set[str]:
        return {row[0].hex for row in query(url, "SELECT id FROM contacts_contact")}

    try:
        api.create_contact("Vorher")
        with replay_paused(setup):
            had = ids()
            during = api.create_contact("Waehrenddessen").replace("-", "")
            [(replayed,)] = query(setup.replica.url(), "SELECT pg_last_xact_replay_timestamp()")

            first = kontor("warehouse", "export", str(warehouse), url=url, var_dir=var_dir, **env)
            assert "reading from replica_1" in first.stderr
            assert exported_contacts() == had  # what the replica had
            [(until,)] = query(
                url,
                "SELECT exported_until FROM warehouse_watermark WHERE \"table\" = 'dim_contact'",
            )
            assert until <= replayed  # not past what the replica had

        # Next time, with the replica caught up, the contact written during
        # the pause is exported: the watermark had not passed it.
        kontor("warehouse", "export", str(warehouse), url=url, var_dir=var_dir, **env)
        assert exported_contacts() == had | {during}
    finally:
        stop_server(server)
