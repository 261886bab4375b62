"""Web UI of the contact history: log activities from a contact's or an
organization's page, the full timeline, an activity's page and "My tasks"."""

import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontor.activities import selectors, services
from kontor.activities.api import ics_response
from kontor.activities.forms import FORMS
from kontor.activities.models import Activity, Kind
from kontor.activities.redirects import back_to
from kontor.contacts.models import Contact, Organization
from kontor.contacts.selectors import contact_get, organization_get
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.files.forms import UploadForm
from kontor.files.services import attachment_create

TIMELINE_PAGE_SIZE = 50


def record_or_404(
    request: HttpRequest, contact_id: UUID | None = None, organization_id: UUID | None = None
) -> Contact | Organization:
    if contact_id is not None:
        record = contact_get(user=request.user, contact_id=contact_id)
    else:
        record = organization_get(user=request.user, organization_id=organization_id)
    if record is None:
        raise Http404
    return record


def history_anchor(record: Contact | Organization) -> str:
    return f"{record.get_absolute_url()}#history"


def _activity_or_404(request: HttpRequest, activity_id: UUID) -> Activity:
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        raise Http404
    return activity


@login_required
@require_POST
def activity_create(
    request: HttpRequest,
    kind: str,
    contact_id: UUID | None = None,
    organization_id: UUID | None = None,
) -> HttpResponse:
    """Log an activity of ``kind`` (with any files) from a record's page; on
    success back to that page, else the page again with the form's errors."""
    if kind not in FORMS:
        raise Http404
    record = record_or_404(request, contact_id, organization_id)
    form = FORMS[kind](request.POST, request.FILES, user=request.user, record=record)
    if form.is_valid():
        try:
            with transaction.atomic():
                activity = services.activity_create(actor=request.user, data=form.service_data())
                for upload in form.cleaned_data["files"]:
                    attachment_create(actor=request.user, upload=upload, activity=activity)
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("%(kind)s saved.") % {"kind": activity.get_kind_display()},
            )
            return redirect(back_to(request, history_anchor(record)))
    return render(
        request,
        "activities/record_history_form.html",
        {"record": record, "history_form": form, "history_open": kind},
    )


@login_required
def record_timeline(
    request: HttpRequest, contact_id: UUID | None = None, organization_id: UUID | None = None
) -> HttpResponse:
    """The whole history of a contact or organization, newest first, by kind."""
    record = record_or_404(request, contact_id, organization_id)
    kinds = [k for k in request.GET.getlist("kind") if k in Kind.values]
    if isinstance(record, Contact):
        activities = selectors.contact_activities(user=request.user, contact_id=record.pk)
    else:
        activities = selectors.organization_activities(user=request.user, organization=record)
    try:
        page = paginate(
            selectors.timeline(activities, kinds=kinds),
            order=selectors.TIMELINE_ORDER,
            limit=TIMELINE_PAGE_SIZE,
            cursor=request.GET.get("cursor"),
        )
    except FieldErrors:
        raise Http404 from None
    return render(
        request,
        "activities/timeline.html",
        {
            "record": record,
            "page": page,
            "kinds": kinds,
            "kind_choices": Kind.choices,
            "is_contact": isinstance(record, Contact),
            "show_record": not isinstance(record, Contact),
        },
    )


@login_required
def activity_detail(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    return render(
        request,
        "activities/activity_detail.html",
        {"activity": activity, "upload_form": UploadForm(), "record": _record_of(activity)},
    )


def _record_of(activity: Activity) -> Contact | Organization:
    return activity.contact or activity.organization


@login_required
@require_POST
def activity_delete(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    record = _record_of(activity)
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("The entry was deleted."))
    return redirect(history_anchor(record))


@login_required
@require_POST
def task_done(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    """Mark a task done, or open again with done=0."""
    task = _activity_or_404(request, activity_id)
    if task.kind != Kind.TASK:
        raise Http404
    done = request.POST.get("done", "1") != "0"
    services.task_set_done(actor=request.user, task=task, done=done)
    if done:
        messages.success(request, _("Task “%(task)s” is done.") % {"task": task.subject})
    else:
        messages.success(request, _("Task “%(task)s” is open again.") % {"task": task.subject})
    return redirect(back_to(request, history_anchor(_record_of(task))))


@login_required
def activity_ics(request: HttpRequest, activity_id: UUID) -> HttpResponse:
    meeting = _activity_or_404(request, activity_id)
    if meeting.kind != Kind.MEETING:
        raise Http404
    return ics_response(meeting)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The user's open tasks: overdue, due today, upcoming."""
    now = timezone.localtime()
    end_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=1
    )
    groups: dict[str, list[Activity]] = {"overdue": [], "today": [], "upcoming": []}
    for task in selectors.open_tasks_of(request.user):
        if task.due_at < now:
            groups["overdue"].append(task)
        elif task.due_at < end_of_today:
            groups["today"].append(task)
        else:
            groups["upcoming"].append(task)
    sections = [
        ("overdue", _("Overdue"), groups["overdue"]),
        ("today", _("Due today"), groups["today"]),
        ("upcoming", _("Upcoming"), groups["upcoming"]),
    ]
    return render(
        request,
        "activities/my_tasks.html",
        {"sections": sections, "total": sum(len(g) for g in groups.values())},
    )
