"""The background queue in this process: queueing inside the caller's
transaction, retries with a growing wait, the error kept, one pending job per
key, progress, the schedule, and tasks of a stopped worker taken back."""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kontor.contacts.models import Tag
from kontor.core.models import WindowCount
from kontor.tasks.jobs import prune_finished_jobs, prune_rate_counts
from kontor.tasks.models import Job, Schedule, WorkerProcess
from kontor.tasks.schedules import fire_due_schedules, next_run, sync_schedules
from kontor.tasks.services import enqueue
from kontor.tasks.worker import recover_abandoned, run_until_empty
from tests.tasks import sample_tasks

pytestmark = pytest.mark.django_db


def result_of(job: Job) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=job.pk)


def make_due(job: Job) -> None:
    DBTaskResult.objects.filter(pk=job.pk).update(run_after=timezone.now())


def test_a_queued_job_runs_and_keeps_its_result():
    job = enqueue(sample_tasks.add, args=[2, 3], name="Add")
    assert result_of(job).status == TaskResultStatus.READY
    assert run_until_empty() == 1
    result = result_of(job)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    assert len(result.worker_ids) == 1


def test_a_rolled_back_transaction_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(sample_tasks.add, args=[1, 1])
        raise RuntimeError("the write around it failed")
    assert not Job.objects.exists()
    assert run_until_empty() == 0


def test_a_failing_job_is_tried_again_after_a_growing_wait_then_succeeds():
    job = enqueue(sample_tasks.fail_until, args=["x", 2], max_attempts=5, backoff_seconds=30)
    before = timezone.now()
    run_until_empty()
    first = result_of(job)
    assert first.status == TaskResultStatus.READY
    assert "run 1 of x fails on purpose" in first.traceback
    first_wait = first.run_after - before
    assert datetime.timedelta(seconds=29) <= first_wait <= datetime.timedelta(seconds=40)
    assert run_until_empty() == 0  # not before its time

    make_due(job)
    before = timezone.now()
    run_until_empty()
    second = result_of(job)
    assert second.status == TaskResultStatus.READY
    assert second.run_after - before >= datetime.timedelta(seconds=59)  # twice as long

    make_due(job)
    run_until_empty()
    done = result_of(job)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == 3
    assert len(done.worker_ids) == 3


def test_a_job_that_uses_up_its_attempts_stays_failed_with_its_error():
    job = enqueue(sample_tasks.always_fails, max_attempts=2, unique_key="flaky")
    run_until_empty()
    make_due(job)
    run_until_empty()
    result = result_of(job)
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "builtins.ValueError"
    assert "the partner system answered 503" in result.traceback
    assert Job.objects.get(pk=job.pk).pending_key is None  # the key is free again


def test_one_pending_job_per_key():
    first = enqueue(sample_tasks.add, args=[1, 2], unique_key="sum")
    again = enqueue(sample_tasks.add, args=[1, 2], unique_key="sum")
    assert again.pk == first.pk
    run_until_empty()
    later = enqueue(sample_tasks.add, args=[1, 2], unique_key="sum")
    assert later.pk != first.pk


def test_a_long_job_reports_its_progress():
    job = enqueue(sample_tasks.counted, args=[7])
    run_until_empty()
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (7, 7)


class TestTheSchedule:
    def test_every_registered_schedule_has_a_row_after_migrate(self):
        names = set(Schedule.objects.values_list("name", flat=True))
        assert {"tasks.prune", "tasks.prune-rate-counts", "audit.purge", "mail.poll"} <= names

    def test_a_due_schedule_queues_its_job_once_and_moves_on(self):
        sync_schedules()
        schedule = Schedule.objects.get(name="audit.purge")
        now = timezone.now()
        Schedule.objects.update(next_run_at=now + datetime.timedelta(days=1))
        Schedule.objects.filter(pk=schedule.pk).update(next_run_at=now - datetime.timedelta(1))
        assert fire_due_schedules(now) == 1
        assert fire_due_schedules(now) == 0
        schedule.refresh_from_db()
        assert schedule.last_run_at == now
        assert schedule.next_run_at > now
        job = Job.objects.get(schedule=schedule)
        assert result_of(job).task_path == "kontor.audit.tasks.purge_audit_entries"

    def test_a_schedule_whose_job_is_still_queued_does_not_pile_up(self):
        schedule = Schedule.objects.get(name="audit.purge")
        for _ in range(3):
            Schedule.objects.filter(pk=schedule.pk).update(next_run_at=timezone.now())
            fire_due_schedules()
        assert Job.objects.filter(schedule=schedule).count() == 1

    def test_a_switched_off_schedule_does_not_run(self):
        Schedule.objects.update(enabled=False, next_run_at=timezone.now())
        assert fire_due_schedules() == 0

    def test_cron_times_are_read_in_the_configured_time_zone(self, settings):
        settings.TIME_ZONE = "Europe/Berlin"
        schedule = Schedule(name="x", task_path="x", cron="15 3 * * *")
        # 2026-03-29: the clocks go forward at 02:00 in Berlin (UTC+1 → UTC+2).
        after = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=datetime.UTC)
        assert next_run(schedule, after) == datetime.datetime(
            2026, 3, 29, 1, 15, tzinfo=datetime.UTC
        )

    def test_an_interval_schedule_runs_every_so_many_seconds(self):
        schedule = Schedule(name="x", task_path="x", every_seconds=120)
        after = timezone.now()
        assert next_run(schedule, after) == after + datetime.timedelta(seconds=120)


class TestTasksOfAStoppedWorker:
    def _claimed_by(self, process: str, job: Job, *, started: datetime.datetime) -> None:
        DBTaskResult.objects.filter(pk=job.pk).update(
            status=TaskResultStatus.RUNNING, worker_ids=[f"{process}.0"], started_at=started
        )

    def test_are_queued_again_when_its_heartbeat_stopped(self, settings):
        settings.KONTOR_WORKER_LEASE_SECONDS = 60
        now = timezone.now()
        long_ago = now - datetime.timedelta(minutes=5)
        WorkerProcess.objects.create(
            pk="dead", hostname="h", pid=1, concurrency=1, started_at=long_ago, seen_at=long_ago
        )
        WorkerProcess.objects.create(
            pk="alive", hostname="h", pid=2, concurrency=1, started_at=long_ago, seen_at=now
        )
        lost = enqueue(sample_tasks.tag, args=["lost"])
        busy = enqueue(sample_tasks.tag, args=["busy"])
        self._claimed_by("dead", lost, started=long_ago)
        self._claimed_by("alive", busy, started=long_ago)
        assert recover_abandoned(now) == 1
        assert result_of(lost).status == TaskResultStatus.READY
        assert result_of(busy).status == TaskResultStatus.RUNNING
        run_until_empty()
        assert Tag.objects.filter(name="lost").count() == 1
        assert len(result_of(lost).worker_ids) == 2

    def test_fail_when_they_used_up_their_attempts(self):
        now = timezone.now()
        job = enqueue(sample_tasks.tag, args=["crashy"], max_attempts=1)
        self._claimed_by("gone", job, started=now - datetime.timedelta(hours=1))
        recover_abandoned(now)
        result = result_of(job)
        assert result.status == TaskResultStatus.FAILED
        assert result.exception_class_path == "kontor.tasks.worker.WorkerLost"


def test_finished_jobs_are_pruned_after_their_retention(settings):
    settings.KONTOR_JOB_RETENTION_DAYS = 30
    old = enqueue(sample_tasks.add, args=[1, 1])
    recent = enqueue(sample_tasks.add, args=[2, 2])
    waiting = enqueue(
        sample_tasks.add, args=[3, 3], run_after=timezone.now() + datetime.timedelta(1)
    )
    run_until_empty()
    DBTaskResult.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=31)
    )
    assert prune_finished_jobs.call() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_rate_counts_whose_window_ended_are_pruned():
    now = int(time.time())
    WindowCount.objects.create(key="token:ended", window_end=now - 1, count=7)
    WindowCount.objects.create(key="token:running", window_end=now + 60, count=3)

    assert prune_rate_counts.call() == 1
    assert list(WindowCount.objects.values_list("key", flat=True)) == ["token:running"]
