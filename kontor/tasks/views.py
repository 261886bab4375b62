"""The jobs page: queued, running, failed and finished background jobs with
their progress, and the schedule of periodic jobs (administrators)."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.tasks import selectors, services

PAGE_SIZE = 50


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view_jobs(request.user):
        raise PermissionDenied
    status = request.GET.get("status") or None
    if status not in (None, *selectors.STATUS_BY_NAME):
        status = None
    try:
        page = paginate(
            selectors.jobs_for(request.user, status=status),
            order=("-created_at", "-result_id"),
            limit=PAGE_SIZE,
            cursor=request.GET.get("cursor") or None,
        )
    except FieldErrors:
        return redirect("job-list")
    rows = [(job, selectors.job_state(job)) for job in page.items]
    return render(
        request,
        "tasks/job_list.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "statuses": selectors.STATUS_LABELS,
            "schedules": selectors.schedules_for(request.user),
        },
    )


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.job_get(request.user, job_id)
    if job is None:
        raise Http404
    try:
        services.job_retry(actor=request.user, job=job)
    except services.NotRetryable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The job is queued again."))
    return redirect("job-list")
