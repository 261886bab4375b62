"""Reads of a user's events."""

import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, Q
from django.utils import timezone

from kontor.events.models import Event

User = AbstractBaseUser | AnonymousUser

# Ids are handed out when a row is inserted, not when its transaction commits:
# an event may become visible after one with a higher id. A stream therefore
# also looks at the last seconds' events it has not delivered yet.
LATE_COMMIT_WINDOW = datetime.timedelta(seconds=5)
BATCH = 100


def events_for(
    *,
    user: User,
    after_id: int,
    delivered: set[int] | frozenset = frozenset(),
    resumed_after: int | None = None,
) -> list[Event]:
    """The user's events after ``after_id``, and recent ones after
    ``resumed_after`` (where the stream began) not yet ``delivered``,
    oldest first."""
    if not user.is_authenticated or not user.is_active:
        return []
    floor = after_id if resumed_after is None else min(resumed_after, after_id)
    recent = timezone.now() - LATE_COMMIT_WINDOW
    events = Event.objects.filter(recipient_id=user.pk, id__gt=floor).filter(
        Q(id__gt=after_id) | Q(created_at__gte=recent)
    )
    return [e for e in events.order_by("id")[:BATCH] if e.pk not in delivered]


def last_event_id(*, user: User) -> int:
    """Where a new stream starts: after the user's newest event."""
    if not user.is_authenticated:
        return 0
    return Event.objects.filter(recipient_id=user.pk).aggregate(last=Max("id"))["last"] or 0
