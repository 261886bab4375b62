"""Web UI of files: attach to a contact, an organization or an activity;
download (after the same access check as everything else); delete."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kontor.activities.redirects import back_to
from kontor.activities.selectors import activity_get
from kontor.activities.views import history_anchor, record_or_404
from kontor.core.exceptions import FieldErrors
from kontor.files import selectors, services
from kontor.files.api import file_response
from kontor.files.forms import UploadForm


@login_required
@require_POST
def upload(
    request: HttpRequest,
    contact_id: UUID | None = None,
    organization_id: UUID | None = None,
    activity_id: UUID | None = None,
) -> HttpResponse:
    if activity_id is not None:
        activity = activity_get(user=request.user, activity_id=activity_id)
        if activity is None:
            raise Http404
        target = {"activity": activity}
        default_next = activity.get_absolute_url()
    else:
        record = record_or_404(request, contact_id, organization_id)
        target = {"contact" if contact_id else "organization": record}
        default_next = history_anchor(record)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                for item in form.cleaned_data["files"]:
                    services.attachment_create(actor=request.user, upload=item, **target)
        except FieldErrors as exc:
            for reasons in exc.errors.values():
                for reason in reasons:
                    form.add_error("files", reason)
        else:
            count = len(form.cleaned_data["files"])
            messages.success(
                request,
                ngettext("%(count)d file attached.", "%(count)d files attached.", count)
                % {"count": count},
            )
            return redirect(back_to(request, default_next))
    if "activity" in target:
        return render(
            request,
            "activities/activity_detail.html",
            {"activity": target["activity"], "upload_form": form},
        )
    return render(
        request,
        "activities/record_history_form.html",
        {"record": record, "history_upload_form": form, "history_open": "file"},
    )


@login_required
def download(request: HttpRequest, file_id: UUID) -> HttpResponse:
    attachment = selectors.attachment_get(user=request.user, attachment_id=file_id)
    if attachment is None:
        raise Http404
    return file_response(attachment)


@login_required
@require_POST
def delete(request: HttpRequest, file_id: UUID) -> HttpResponse:
    attachment = selectors.attachment_get(user=request.user, attachment_id=file_id)
    if attachment is None:
        raise Http404
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": attachment.name})
    return redirect(back_to(request, "/"))
