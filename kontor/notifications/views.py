"""Web UI of notifications: the list, mark read."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kontor.activities.redirects import back_to
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate
from kontor.notifications import selectors, services
from kontor.notifications.schemas import notification_message

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    try:
        page = paginate(
            selectors.notification_list(user=request.user),
            order=("-created_at", "-id"),
            limit=PAGE_SIZE,
            cursor=request.GET.get("cursor"),
        )
    except FieldErrors:
        raise Http404 from None
    entries = [(n, notification_message(n)) for n in page.items]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "entries": entries, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """Mark read and go where the notification leads (or back)."""
    notification = selectors.notification_get(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") and notification.link.startswith("/"):
        return redirect(notification.link)
    if request.POST.get("open") and notification.activity:
        return redirect(notification.activity.get_absolute_url())
    return redirect(back_to(request, reverse("notification-list")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.user)
    return redirect(back_to(request, reverse("notification-list")))
