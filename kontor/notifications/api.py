"""API of in-app notifications (@mentions): list, mark read."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.core.pagination import paginate
from kontor.notifications import selectors, services
from kontor.notifications.schemas import (
    MarkedRead,
    NotificationList,
    NotificationOut,
    notification_out,
)

router = Router(tags=["notifications"])

NOT_FOUND = {"detail": "Not found."}


class NotificationListParams(Schema):
    unread: bool | None = Field(None, description="true: only unread; false: only read.")
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


@router.get("/notifications", response=NotificationList)
def list_notifications(request: HttpRequest, params: Query[NotificationListParams]):
    """The current user's notifications, newest first."""
    notifications = selectors.notification_list(user=request.user, unread=params.unread)
    page = paginate(
        notifications, order=("-created_at", "-id"), limit=params.limit, cursor=params.cursor
    )
    return {
        "items": [notification_out(request, n) for n in page.items],
        "next": page.next,
        "unread_count": selectors.unread_count(request.user),
    }


@router.post("/notifications/read", response=MarkedRead)
def mark_all_read(request: HttpRequest):
    """Mark every notification of the current user read."""
    return {"marked_read": services.notifications_mark_all_read(actor=request.user)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, 404: dict})
def mark_read(request: HttpRequest, notification_id: str):
    notification = selectors.notification_get(user=request.user, notification_id=notification_id)
    if notification is None:
        return Status(404, NOT_FOUND)
    services.notification_mark_read(actor=request.user, notification=notification)
    return notification_out(request, notification)
