"""Writes of notifications: made when a colleague is @mentioned, marked read
by their recipient."""

import re
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.activities.selectors import visible_activities
from kontor.core.exceptions import PermissionDenied
from kontor.notifications.models import Notification, Reason

User = AbstractBaseUser | AnonymousUser

# "@mia", "@j.doe", but not the middle of "info@example.com".
MENTION = re.compile(r"(?<![\w@.+-])@(\w[\w.+-]{0,149})")
MAX_MENTIONS = 50


def mentioned_usernames(text: str) -> set[str]:
    """Usernames written as @username, lower-cased, without the punctuation
    that ends a sentence (``@mia.`` mentions ``mia``)."""
    return {m.group(1).rstrip(".+-").lower() for m in MENTION.finditer(text or "")}


def notify_mentions(
    *, actor: User, activity: Activity, text: str, previous_text: str = ""
) -> list[Notification]:
    """Notify each active colleague newly mentioned in ``text`` who may see the
    activity; nobody is notified twice for the same activity, nor for
    mentioning themselves."""
    names = sorted(mentioned_usernames(text) - mentioned_usernames(previous_text))[:MAX_MENTIONS]
    if not names:
        return []
    condition = reduce(or_, (Q(username__iexact=name) for name in names))
    recipients = get_user_model().objects.filter(condition, is_active=True)
    if actor.is_authenticated:
        recipients = recipients.exclude(pk=actor.pk)
    notifications = [
        Notification(
            recipient=recipient,
            actor=actor if actor.is_authenticated else None,
            reason=Reason.MENTION,
            activity=activity,
        )
        for recipient in recipients
        if visible_activities(recipient).filter(pk=activity.pk).exists()
    ]
    return Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def notify(*, recipient: AbstractBaseUser, message: str, link: str = "") -> Notification | None:
    """Tell ``recipient`` something (e.g. that their webhook was switched
    off), with a path in the web UI to go to. Inactive users get nothing."""
    if not recipient.is_active:
        return None
    return Notification.objects.create(
        recipient=recipient, reason=Reason.NOTICE, message=message[:2000], link=link[:500]
    )


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("Only its recipient marks a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )
