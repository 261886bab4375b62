"""Writes of the background queue: queue a job, retry one, report progress.

Every background job of Kontor is queued through ``enqueue`` inside the
caller's transaction: a rolled-back write queues nothing."""

import datetime
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from kontor.access.grants import access_for
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.core.exceptions import PermissionDenied, ServiceError
from kontor.tasks.models import Job, Schedule

User = AbstractBaseUser | AnonymousUser

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = 30
MAX_BACKOFF = datetime.timedelta(hours=6)


class NotRetryable(ServiceError):
    """Only a failed job can be tried again."""


def enqueue(
    task: Task,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    name: str = "",
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff_seconds: int = DEFAULT_BACKOFF_SECONDS,
    run_after: datetime.datetime | None = None,
    unique_key: str | None = None,
    schedule: Schedule | None = None,
    requested_by: User | None = None,
) -> Job:
    """Queue ``task`` with ``args``/``kwargs`` (JSON values). With
    ``unique_key``, a job with that key that is still queued or running is
    returned instead of queueing a second one."""
    with transaction.atomic():
        if unique_key and (pending := Job.objects.filter(pending_key=unique_key).first()):
            return pending
        if run_after is not None:
            task = task.using(run_after=run_after)
        try:
            with transaction.atomic():
                result = task.enqueue(*args, **dict(kwargs or {}))
                return Job.objects.create(
                    result_id=uuid.UUID(str(result.id)),
                    name=(name or task.name)[:200],
                    created_at=result.enqueued_at or timezone.now(),
                    max_attempts=max(1, max_attempts),
                    backoff_seconds=backoff_seconds,
                    pending_key=unique_key,
                    schedule=schedule,
                    requested_by=requested_by if getattr(requested_by, "pk", None) else None,
                )
        except IntegrityError:
            # Another transaction queued the same key first.
            pending = Job.objects.filter(pending_key=unique_key).first() if unique_key else None
            if pending is None:
                raise
            return pending


def backoff(job: Job, attempts: int) -> datetime.timedelta:
    """How long to wait before attempt ``attempts + 1``: doubling from the
    job's ``backoff_seconds``, at most six hours."""
    delay = datetime.timedelta(seconds=job.backoff_seconds * 2 ** max(0, attempts - 1))
    return min(delay, MAX_BACKOFF)


def job_finished(job_id: Any) -> None:
    """The job will not run again: free its key."""
    Job.objects.filter(pk=job_id).exclude(pending_key=None).update(pending_key=None)


def job_retry(*, actor: User, job: Job) -> Job:
    """Queue a failed job once more, now (administrators)."""
    if not access_for(actor).manage_access:
        raise PermissionDenied(_("Only administrators manage background jobs."))
    with transaction.atomic():
        result = DBTaskResult.objects.select_for_update().get(pk=job.pk)
        if result.status != TaskResultStatus.FAILED:
            raise NotRetryable(_("Only a failed job can be tried again."))
        attempts = len(result.worker_ids)
        DBTaskResult.objects.filter(pk=job.pk).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None
        )
        job.max_attempts = max(job.max_attempts, attempts + 1)
        job.save(update_fields=["max_attempts"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="tasks.job",
            object_id=job.pk,
            object_repr=job.name,
            changes={"status": ["failed", "queued"]},
        )
    job.refresh_from_db()
    return job


def report_progress(job_id: Any, *, done: int, total: int | None) -> None:
    """Record how far a running job got (shown as a progress bar). Written
    at once, outside the job's own transaction if it holds one."""
    Job.objects.filter(pk=job_id).update(
        progress_done=max(0, done), progress_total=total if total is None else max(0, total)
    )
