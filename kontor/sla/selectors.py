"""Reads of calendars and policies: configuration that every signed-in
user may read (a ticket shows its policy); administrators change it."""

import uuid
from typing import Any

from django.db.models import QuerySet

from kontor.sla.models import BusinessCalendar, SlaPolicy


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.all()


def calendar_get(calendar_id: Any) -> BusinessCalendar | None:
    pk = _uuid(calendar_id)
    return None if pk is None else BusinessCalendar.objects.filter(pk=pk).first()


def policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("calendar")


def policy_get(policy_id: Any) -> SlaPolicy | None:
    pk = _uuid(policy_id)
    return None if pk is None else policy_list().filter(pk=pk).first()


def policy_for(*, explicit: SlaPolicy | None, tags: list[str]) -> SlaPolicy | None:
    """The policy of a new ticket: the one given, else the one for a tag of
    the customer (the first tag by name that has one), else the default."""
    if explicit is not None:
        return explicit
    if tags:
        tagged = policy_list().filter(organization_tag__in=tags).order_by("organization_tag")
        if policy := tagged.first():
            return policy
    return policy_list().filter(is_default=True).first()
