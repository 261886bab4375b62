"""Reads of received emails: one on a timeline is visible with its activity;
one that waits unassigned to whoever imported it and to administrators."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kontor.activities.selectors import visible_activities
from kontor.mail.models import InboundMessage

User = AbstractBaseUser | AnonymousUser


def visible_messages(user: User) -> QuerySet[InboundMessage]:
    if not user.is_authenticated or not user.is_active:
        return InboundMessage.objects.none()
    activities = visible_activities(user).filter(pk=OuterRef("activity_id"))
    unassigned = Q(activity__isnull=True)
    if not user.is_superuser:
        unassigned &= Q(imported_by_id=user.pk)
    return InboundMessage.objects.filter(
        unassigned | (Q(activity__isnull=False) & Exists(activities))
    )


def message_get(*, user: User, message_id: Any) -> InboundMessage | None:
    try:
        pk = uuid.UUID(str(message_id))
    except ValueError:
        return None
    return visible_messages(user).select_related("activity").filter(pk=pk).first()


def visible_referred_activity_id(*, user: User, message: InboundMessage) -> uuid.UUID | None:
    """The sent email a report is about, if ``user`` may see it."""
    if message.refers_to_id is None:
        return None
    visible = visible_activities(user).filter(pk=message.refers_to_id).exists()
    return message.refers_to_id if visible else None
