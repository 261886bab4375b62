"""GDPR erasure in the colleagues' notifications (kontor.core.erasure): a
notification about one of the person's activities, or whose text names
them, goes. It runs before the activities are erased, which would take
their notifications along uncounted."""

from django.db.models import Q
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.notifications.models import Notification


def erase_notifications(erasure: Erasure) -> None:
    person = erasure.person
    condition = Q(activity__contact=person) | Q(activity__participants__contact=person)
    for value in erasure.identifiers.all():
        condition |= Q(message__icontains=value)
    ids = list(Notification.objects.filter(condition).values_list("pk", flat=True).distinct())
    erasure.touched(Notification, ids)
    deleted = Notification.objects.filter(pk__in=ids).delete()[0]
    erasure.removed(gettext_noop("notifications"), deleted)
