"""Publishing events to users' browsers.

An event is a row in the ``Event`` table, written in the caller's transaction
(so a rolled-back write sends nothing). Streams in any server process read
the table; the wake-up channel (``kontor.events.wakeup``) tells them at once
that there is something new: PostgreSQL NOTIFY (delivered at commit), Redis
pub/sub, or nothing, in which case streams poll the table."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kontor.events import wakeup
from kontor.events.models import Event

# A browser that is away longer than this misses the events meanwhile; they
# are only of use while the phone rings.
KEEP_EVENTS = datetime.timedelta(minutes=10)
# Old rows are deleted on every this-many-th event (cheap: by created_at's index).
PRUNE_EVERY = 50


def publish(
    *, kind: str, recipients: Iterable[tuple[AbstractBaseUser, dict[str, Any]]]
) -> list[Event]:
    """Send ``kind`` with a payload per recipient (each sees what they may see)."""
    events = [
        Event(recipient=user, kind=kind, payload=payload)
        for user, payload in recipients
        if user.is_active
    ]
    if not events:
        return []
    with transaction.atomic():
        created = Event.objects.bulk_create(events)  # ids come back on SQLite and PostgreSQL
        wakeup.announce()
        if max(e.pk for e in created) % PRUNE_EVERY < len(created):
            Event.objects.filter(created_at__lt=timezone.now() - KEEP_EVENTS).delete()
    return created
