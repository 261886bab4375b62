"""API of the background queue: ``GET /jobs``, ``GET /jobs/{id}``,
``POST /jobs/{id}/retry`` (administrators)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.core.exceptions import PermissionDenied
from kontor.core.pagination import paginate
from kontor.tasks import selectors, services
from kontor.tasks.models import Job

router = Router(tags=["jobs"])

NOT_FOUND = {"detail": "Not found."}


class ProgressOut(Schema):
    done: int
    total: int | None


class JobOut(Schema):
    id: UUID
    name: str
    task: str = Field(description="The task's dotted path.")
    queue: str
    status: Literal["queued", "running", "failed", "finished"]
    attempts: int
    max_attempts: int
    progress: ProgressOut | None = Field(description="Set by long jobs while they run.")
    error: str | None = Field(description="The last error, also while a retry waits.")
    schedule: str | None = Field(description="The schedule that queued it.")
    enqueued_at: datetime
    run_after: datetime | None = Field(description="Not before this (a retry's backoff).")
    started_at: datetime | None
    finished_at: datetime | None


class JobList(Schema):
    items: list[JobOut]
    next: str | None


class JobListParams(Schema):
    status: Literal["queued", "running", "failed", "finished"] | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


def job_out(job: Job) -> dict:
    state = selectors.job_state(job)
    result = job.result
    run_after = result.run_after if result.run_after.year < 9999 else None
    progress = None
    if job.progress_done is not None:
        progress = {"done": job.progress_done, "total": job.progress_total}
    return {
        "id": job.pk,
        "name": job.name,
        "task": result.task_path,
        "queue": result.queue_name,
        "status": state.status,
        "attempts": state.attempts,
        "max_attempts": job.max_attempts,
        "progress": progress,
        "error": state.error,
        "schedule": job.schedule.name if job.schedule else None,
        "enqueued_at": result.enqueued_at,
        "run_after": run_after,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
    }


def _require_admin(request: HttpRequest) -> None:
    if not selectors.may_view_jobs(request.user):
        raise PermissionDenied(_("Only administrators see background jobs."))


@router.get("/jobs", response=JobList)
def list_jobs(request: HttpRequest, params: Query[JobListParams]):
    """Queued, running, failed and finished background jobs, newest first."""
    _require_admin(request)
    jobs = selectors.jobs_for(request.user, status=params.status)
    page = paginate(
        jobs, order=("-created_at", "-result_id"), limit=params.limit, cursor=params.cursor
    )
    return {"items": [job_out(job) for job in page.items], "next": page.next}


@router.get("/jobs/{job_id}", response={200: JobOut, 404: dict}, url_name="job-detail")
def get_job(request: HttpRequest, job_id: UUID):
    _require_admin(request)
    job = selectors.job_get(request.user, job_id)
    if job is None:
        return Status(404, NOT_FOUND)
    return job_out(job)


@router.post("/jobs/{job_id}/retry", response={200: JobOut, 404: dict, 409: dict})
def retry_job(request: HttpRequest, job_id: UUID):
    """Queue a failed job once more, now."""
    _require_admin(request)
    job = selectors.job_get(request.user, job_id)
    if job is None:
        return Status(404, NOT_FOUND)
    try:
        job = services.job_retry(actor=request.user, job=job)
    except services.NotRetryable as exc:
        return Status(409, {"detail": str(exc)})
    return job_out(Job.objects.select_related("result", "schedule").get(pk=job.pk))
