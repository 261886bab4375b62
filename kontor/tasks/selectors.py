"""Reads of the background queue, for administrators."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus

from kontor.access.grants import User, access_for
from kontor.tasks.models import Job, Schedule

# The states a job is in, as the API and the jobs page name them.
STATUS_NAMES = {
    TaskResultStatus.READY: "queued",
    TaskResultStatus.RUNNING: "running",
    TaskResultStatus.FAILED: "failed",
    TaskResultStatus.SUCCESSFUL: "finished",
}
STATUS_LABELS = {
    "queued": _("queued"),
    "running": _("running"),
    "failed": _("failed"),
    "finished": _("finished"),
}
STATUS_BY_NAME = {name: status for status, name in STATUS_NAMES.items()}


def may_view_jobs(user: User) -> bool:
    return access_for(user).manage_access


def jobs_for(user: User, *, status: str | None = None) -> QuerySet[Job]:
    """Jobs, newest first; administrators only (others get none)."""
    if not may_view_jobs(user):
        return Job.objects.none()
    jobs = Job.objects.select_related("result", "schedule")
    if status:
        jobs = jobs.filter(result__status=STATUS_BY_NAME[status])
    return jobs


def job_get(user: User, job_id: Any) -> Job | None:
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        return None
    return jobs_for(user).filter(pk=pk).first()


def schedules_for(user: User) -> QuerySet[Schedule]:
    if not may_view_jobs(user):
        return Schedule.objects.none()
    return Schedule.objects.order_by("next_run_at", "name")


@dataclass(frozen=True)
class JobState:
    """What the API and the page show of a job."""

    status: str
    attempts: int
    error: str | None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


def job_state(job: Job) -> JobState:
    result = job.result
    error = None
    if result.exception_class_path:
        last_line = result.traceback.strip().splitlines()[-1] if result.traceback else ""
        error = last_line or result.exception_class_path
    return JobState(
        status=STATUS_NAMES.get(result.status, str(result.status).lower()),
        attempts=len(result.worker_ids),
        error=error,
    )
