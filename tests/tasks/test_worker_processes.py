"""`kontor worker` as real processes against a database of their own (the
test run's engine): it runs what is queued, two workers racing for the same
tasks run each once, a worker killed with SIGKILL in the middle of a task
loses nothing, and `kontor start` runs a worker beside the server."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from tests.core.scratch import free_port, kontor, kontor_env, query, scratch_database

RESULTS = DBTaskResult._meta.db_table


def start_worker(url: str, var_dir: Path, *args: str, **extra: str) -> subprocess.Popen:
    log = (var_dir / f"worker-{time.monotonic_ns()}.log").open("ab")
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kontor", "worker", "--interval", "0.1", *args],
        env=kontor_env(url, var_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


def statuses(url: str) -> list[str]:
    rows = query(url, f"SELECT status FROM {RESULTS}")  # noqa: S608
    return [row[0] for row in rows]


def python(url: str, var_dir: Path, code: str) -> None:
    kontor("shell", "-c", code, url=url, var_dir=var_dir)


@pytest.fixture
def database(tmp_path):
    with scratch_database(tmp_path, "queue", migrated=True) as url:
        yield url


def test_a_worker_process_runs_what_is_queued(database, tmp_path):
    python(
        database,
        tmp_path,
        "from tests.tasks import sample_tasks as t; from kontor.tasks.services import enqueue\n"
        "for n in range(5): enqueue(t.tag, args=[f'job-{n}'])",
    )
    worker = start_worker(database, tmp_path, "--no-schedule")
    try:
        wait_until(lambda: statuses(database).count("SUCCESSFUL") == 5, "five jobs done")
    finally:
        stop(worker)
    names = {r[0] for r in query(database, "SELECT name FROM contacts_tag")}
    assert names == {f"job-{n}" for n in range(5)}
    assert query(database, "SELECT count(*) FROM tasks_workerprocess") == [(0,)]


def test_two_workers_racing_for_the_same_tasks_run_each_once(database, tmp_path):
    """Six tasks that wait for a signal come first: one worker's three threads
    can hold only three of them, so all six start only when the second worker
    takes tasks too, however late it comes up. Then 120 tasks race."""
    gate = tmp_path / "gate"
    gate.mkdir()
    python(
        database,
        tmp_path,
        "from tests.tasks import sample_tasks as t; from kontor.tasks.services import enqueue\n"
        f"for n in range(6): enqueue(t.wait_for, args=[{str(gate)!r}, f'gate-{{n}}'])\n"
        "for n in range(120): enqueue(t.tag, args=[f'race-{n}'])",
    )
    workers = [
        start_worker(database, tmp_path, "--no-schedule", "--concurrency", "3") for _ in range(2)
    ]
    try:
        wait_until(
            lambda: len(list(gate.glob("*.started"))) == 6, "both workers hold gates", seconds=110
        )
        (gate / "go").touch()
        wait_until(
            lambda: statuses(database).count("SUCCESSFUL") == 126, "all jobs done", seconds=180
        )
    finally:
        (gate / "go").touch()
        for worker in workers:
            stop(worker)
    assert set(statuses(database)) == {"SUCCESSFUL"}
    claims = query(database, f"SELECT worker_ids FROM {RESULTS}")  # noqa: S608
    ran_by = [json.loads(ids) if isinstance(ids, str) else ids for (ids,) in claims]
    assert all(len(ids) == 1 for ids in ran_by), "a task was claimed twice"
    processes = {ids[0].rsplit(".", 1)[0] for ids in ran_by}
    assert len(processes) == 2, "both workers took tasks"
    assert query(database, "SELECT count(*) FROM contacts_tag") == [(126,)]


def test_a_task_of_a_killed_worker_runs_again_and_has_its_effect_once(database, tmp_path):
    folder = tmp_path / "signals"
    folder.mkdir()
    python(
        database,
        tmp_path,
        "from tests.tasks import sample_tasks as t; from kontor.tasks.services import enqueue\n"
        f"enqueue(t.wait_for, args=[{str(folder)!r}, 'once'])",
    )
    lease = {"KONTOR_WORKER_LEASE_SECONDS": "2"}
    first = start_worker(database, tmp_path, "--no-schedule", **lease)
    try:
        wait_until(lambda: (folder / "once.started").exists(), "the task started")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert statuses(database) == ["RUNNING"]
    (folder / "go").touch()
    second = start_worker(database, tmp_path, "--no-schedule", **lease)
    try:
        wait_until(lambda: statuses(database) == ["SUCCESSFUL"], "the task ran again")
    finally:
        stop(second)
    assert query(database, "SELECT count(*) FROM contacts_tag WHERE name = 'once'") == [(1,)]
    ((ids,),) = query(database, f"SELECT worker_ids FROM {RESULTS}")  # noqa: S608
    claims = json.loads(ids) if isinstance(ids, str) else ids
    assert len(claims) == 2 and claims[0].rsplit(".", 1)[0] != claims[1].rsplit(".", 1)[0]


def test_kontor_start_runs_a_worker_beside_the_server(tmp_path):
    with scratch_database(tmp_path, "start") as url:
        port = free_port()
        log = (tmp_path / "start.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "kontor", "start", "--no-demo", "--port", str(port)],
            env=kontor_env(url, tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until(
                lambda: (
                    query(url, "SELECT count(*) FROM tasks_workerprocess")[0][0] == 1
                    if "tasks_workerprocess" in _tables(url)
                    else False
                ),
                "a worker beside the server",
                seconds=120,
            )
            names = {r[0] for r in query(url, "SELECT name FROM tasks_schedule")}
            assert {"mail.poll", "audit.purge", "tasks.prune"} <= names
        finally:
            stop(process)
        wait_until(
            lambda: query(url, "SELECT count(*) FROM tasks_workerprocess") == [(0,)],
            "the worker stopped with the server",
        )
        assert "Background worker running" in (tmp_path / "start.log").read_text()


def _tables(url: str) -> set[str]:
    if url.startswith("sqlite"):
        rows = query(url, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows}
