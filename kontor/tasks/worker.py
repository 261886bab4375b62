"""``kontor worker``: runs the queue.

Each worker process runs ``concurrency`` threads that claim ready tasks
(on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so processes on many machines
share the queue and each task is claimed once; on SQLite the exclusive write
transaction does the same) and one housekeeping thread that renews the
process's heartbeat, queues the jobs of due schedules and puts tasks of
processes that stopped beating (killed, crashed, cut off) back into the
queue. A failed task is tried again after a doubling wait, up to its job's
``max_attempts``; then it stays failed with its error."""

import datetime
import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskContext, TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kontor.tasks.models import Job, WorkerProcess
from kontor.tasks.schedules import fire_due_schedules, sync_schedules
from kontor.tasks.services import backoff, job_finished

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
RECOVERY_SECONDS = 10.0


def lease() -> datetime.timedelta:
    """How long a process may go without a heartbeat before its tasks are
    taken back."""
    return datetime.timedelta(seconds=settings.KONTOR_WORKER_LEASE_SECONDS)


def claim_next(worker_id: str, queues: Iterable[str] = ("*",)) -> DBTaskResult | None:
    """Claim the most urgent ready task for ``worker_id``, or None."""
    ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
    queues = list(queues)
    if "*" not in queues:
        ready = ready.filter(queue_name__in=queues)
    try:
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is not None:
                result.claim(worker_id)
            return result
    except OperationalError as exc:
        if is_locked_database_exception(exc):  # SQLite busy: try again shortly
            return None
        raise


def run_claimed(result: DBTaskResult) -> None:
    """Run a claimed task and record how it ended: done, failed for now
    (queued again after its backoff) or failed for good."""
    try:
        task = result.task
        task_result = result.task_result
        if task.takes_context:
            value = task.call(
                TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
            )
        else:
            value = task.call(*task_result.args, **task_result.kwargs)
        result.set_successful(value)
    except Exception as exc:
        _failed(result, exc)
        return
    job_finished(result.pk)


def _failed(result: DBTaskResult, exc: Exception) -> None:
    job = Job.objects.filter(pk=result.pk).first()
    attempts = len(result.worker_ids)
    if job is None or attempts >= job.max_attempts:
        logger.exception("job %s failed for good after %d attempts", result.pk, attempts)
        result.set_failed(exc)
        job_finished(result.pk)
        return
    wait = backoff(job, attempts)
    logger.warning(
        "job %s failed (attempt %d of %d), tried again in %s: %r",
        result.pk, attempts, job.max_attempts, wait, exc,
    )  # fmt: skip
    # Keep the error for the jobs page while it waits.
    result.set_failed(exc)
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + wait, finished_at=None
    )


def run_until_empty(queues: Iterable[str] = ("*",), worker_id: str = "inline") -> int:
    """Run ready tasks in this thread until none is left; returns how many
    ran. For the command line (``kontor worker --until-empty``) and tests."""
    ran = 0
    while (result := claim_next(worker_id, queues)) is not None:
        run_claimed(result)
        ran += 1
    return ran


def recover_abandoned(now: datetime.datetime | None = None) -> int:
    """Put the running tasks of processes without a recent heartbeat back
    into the queue (or fail them when they used up their attempts). The
    task runs again from its start: tasks are written so that running one
    twice has its effect once."""
    now = now or timezone.now()
    alive = set(
        WorkerProcess.objects.filter(seen_at__gte=now - lease()).values_list("pk", flat=True)
    )
    recovered = 0
    for result in DBTaskResult.objects.running().only("pk", "worker_ids", "started_at"):
        process = (result.worker_ids[-1] if result.worker_ids else "").rsplit(".", 1)[0]
        if process in alive or (result.started_at and result.started_at > now - lease()):
            continue
        job = Job.objects.filter(pk=result.pk).first()
        attempts = len(result.worker_ids)
        with transaction.atomic():
            if job is not None and attempts >= job.max_attempts:
                changed = DBTaskResult.objects.filter(
                    pk=result.pk, status=TaskResultStatus.RUNNING
                ).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path="kontor.tasks.worker.WorkerLost",
                    traceback=f"The worker running it ({process}) stopped.",
                )
                if changed:
                    job_finished(result.pk)
            else:
                changed = DBTaskResult.objects.filter(
                    pk=result.pk, status=TaskResultStatus.RUNNING
                ).update(status=TaskResultStatus.READY, run_after=now)
        if changed:
            logger.warning("job %s of the stopped worker %s taken back", result.pk, process)
            recovered += 1
    WorkerProcess.objects.filter(seen_at__lt=now - datetime.timedelta(days=1)).delete()
    return recovered


class WorkerLost(Exception):
    """The process running a task stopped before the task ended."""


class Worker:
    """One ``kontor worker`` process."""

    def __init__(
        self,
        *,
        concurrency: int = 1,
        queues: Iterable[str] = ("*",),
        interval: float = 1.0,
        schedules: bool = True,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.queues = list(queues)
        self.interval = interval
        self.schedules = schedules
        self.id = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()

    def run(self) -> None:
        now = timezone.now()
        WorkerProcess.objects.update_or_create(
            pk=self.id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "concurrency": self.concurrency,
                "started_at": now,
                "seen_at": now,
            },
        )
        if self.schedules:
            sync_schedules(now)
        logger.info("worker %s: %d threads, queues %s", self.id, self.concurrency, self.queues)
        threads = [
            threading.Thread(target=self._loop, args=(n,), name=f"kontor-worker-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        threads.append(
            threading.Thread(target=self._housekeeping, name="kontor-housekeeping", daemon=True)
        )
        for thread in threads:
            thread.start()
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(timeout=settings.KONTOR_WORKER_STOP_SECONDS)
            WorkerProcess.objects.filter(pk=self.id).delete()
            logger.info("worker %s stopped", self.id)

    def stop(self, *_args: Any) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        for name in ("SIGTERM", "SIGINT"):
            signal.signal(getattr(signal, name), self.stop)

    def _loop(self, number: int) -> None:
        worker_id = f"{self.id}.{number}"
        time.sleep(random.random() * min(self.interval, 1.0))  # noqa: S311 (no thundering herd)
        try:
            while not self.stopping.is_set():
                close_old_connections()
                result = claim_next(worker_id, self.queues)
                if result is None:
                    self.stopping.wait(self.interval)
                    continue
                run_claimed(result)
        except Exception:
            logger.exception("worker thread %s stopped by an error", worker_id)
            self.stopping.set()
        finally:
            connection.close()

    def _housekeeping(self) -> None:
        last_recovery = 0.0
        try:
            while not self.stopping.is_set():
                close_old_connections()
                WorkerProcess.objects.filter(pk=self.id).update(seen_at=timezone.now())
                if self.schedules:
                    fire_due_schedules()
                if time.monotonic() - last_recovery >= RECOVERY_SECONDS:
                    recover_abandoned()
                    last_recovery = time.monotonic()
                self.stopping.wait(min(HEARTBEAT_SECONDS, self.interval * 2))
        except Exception:
            logger.exception("worker %s: housekeeping stopped by an error", self.id)
            self.stopping.set()
        finally:
            connection.close()
