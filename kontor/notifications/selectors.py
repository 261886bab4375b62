"""Reads of notifications: a user sees only their own, and only those whose
activity they may still see."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kontor.activities.selectors import visible_activities
from kontor.notifications.models import Notification

User = AbstractBaseUser | AnonymousUser


def visible_notifications(user: User) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    activities = visible_activities(user).filter(pk=OuterRef("activity_id"))
    return Notification.objects.filter(recipient_id=user.pk).filter(
        Q(activity__isnull=True) | Exists(activities)
    )


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    notifications = visible_notifications(user)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.select_related(
        "actor", "activity", "activity__contact", "activity__organization"
    )


def notification_get(*, user: User, notification_id: Any) -> Notification | None:
    try:
        pk = uuid.UUID(str(notification_id))
    except ValueError:
        return None
    return notification_list(user=user).filter(pk=pk).first()


def unread_count(user: User) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()
