"""Keeping scores up to date: the outbox consumer scores a contact or an
organization again after its events are handed over, together with the
records its score depends on (its organization, whose "has contacts"
changes; the other side of each of its duplicate candidates; the record an
activity was logged on). It runs after the duplicate layer's consumer, so
the candidates it counts are those of the same changes."""

from collections import defaultdict
from typing import Any

from kontor.activities.models import Activity
from kontor.contacts.models import Contact
from kontor.quality.compute import duplicate_partners, rescore
from kontor.quality.models import KINDS

CHANGES = ("created", "updated", "archived", "deleted")
EVENTS = {f"{kind}.{change}" for kind in KINDS for change in CHANGES}
ACTIVITY_EVENTS = {"activity.created", "activity.updated"}


def rescore_changed(events: list[Any]) -> None:
    changed: dict[str, set[Any]] = defaultdict(set)
    activities = []
    for event in events:
        if event.name in EVENTS:
            changed[event.name.split(".")[0]].add(event.record_id)
        elif event.name in ACTIVITY_EVENTS:
            activities.append(event.record_id)
    if activities:
        for contact_id, organization_id in Activity.objects.filter(pk__in=activities).values_list(
            "contact_id", "organization_id"
        ):
            if contact_id:
                changed["contact"].add(contact_id)
            if organization_id:
                changed["organization"].add(organization_id)
    if changed["contact"]:
        changed["organization"] |= set(
            Contact.objects.filter(
                pk__in=list(changed["contact"]), organization__isnull=False
            ).values_list("organization_id", flat=True)
        )
    for kind in KINDS:
        if ids := changed[kind]:
            rescore(kind, list(ids) + list(duplicate_partners(kind, ids)))
