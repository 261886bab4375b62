"""Reads of calendars and policies: configuration that every signed-in
user may read (a ticket shows its policy); administrators change it."""

from typing import Any

from django.db.models import QuerySet

from kontor.core.ids import parse_uuid
from kontor.sla.models import BusinessCalendar, SlaPolicy


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.all()


def calendar_get(calendar_id: Any) -> BusinessCalendar | None:
    pk = parse_uuid(calendar_id)
    return None if pk is None else BusinessCalendar.objects.filter(pk=pk).first()


def policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("calendar")


def policy_get(policy_id: Any) -> SlaPolicy | None:
    pk = parse_uuid(policy_id)
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
