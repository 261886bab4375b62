"""API schemas of notifications."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import Field

from kontor.api.schemas import Schema
from kontor.core.users import user_name
from kontor.notifications.models import Notification, Reason


class NotificationOut(Schema):
    id: UUID
    reason: str
    message: str
    actor_id: int | None
    activity_id: UUID | None
    url: str | None = Field(description="Where the notification leads in the web UI.")
    created_at: datetime
    read_at: datetime | None


class NotificationList(Schema):
    items: list[NotificationOut]
    next: str | None
    unread_count: int


class MarkedRead(Schema):
    marked_read: int


def notification_message(notification: Notification) -> str:
    if notification.message:
        return notification.message
    actor = notification.actor
    who = user_name(actor) if actor else _("Someone")
    activity = notification.activity
    if notification.reason == Reason.MENTION and activity is not None:
        record = activity.contact or activity.organization
        return _("%(who)s mentioned you in a %(kind)s on %(record)s") % {
            "who": who,
            "kind": activity.get_kind_display().lower(),
            "record": record.display_name if record else "—",
        }
    return _("%(who)s mentioned you") % {"who": who}


def notification_out(request: HttpRequest, notification: Notification) -> dict[str, Any]:
    activity = notification.activity
    if notification.link:
        url = request.build_absolute_uri(notification.link)
    else:
        url = request.build_absolute_uri(activity.get_absolute_url()) if activity else None
    return {
        "id": notification.pk,
        "reason": notification.reason,
        "message": notification_message(notification),
        "actor_id": notification.actor_id,
        "activity_id": notification.activity_id,
        "url": url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }
