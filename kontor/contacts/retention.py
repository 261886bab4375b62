"""Retention of contacts (kontor.privacy retention rules): a person with
no interaction — no call, email, meeting, note or task on their timeline
and no meeting they took part in — since the cutoff, and entered before
it, has expired. Expired contacts go through the person erasure, with
everything about them."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from kontor.activities.models import Activity, Participant
from kontor.contacts.models import Contact


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def contacts_without_interaction(cutoff: datetime.date) -> QuerySet[Contact]:
    since = _start_of(cutoff)
    recent = Activity.objects.filter(contact=OuterRef("pk"), occurred_at__gte=since)
    took_part = Participant.objects.filter(contact=OuterRef("pk"), activity__occurred_at__gte=since)
    return (
        Contact.objects.filter(created_at__lt=since)
        .exclude(Exists(recent))
        .exclude(Exists(took_part))
        .order_by("created_at", "id")
    )
