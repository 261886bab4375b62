"""Sections that other domains add to the 360° view (deals, quotes, orders
and open payments from sales; tickets from service), so that the view shows
them without knowing those domains: a domain registers an ``OverviewSection``
from its ``AppConfig.ready()``.

Each section reads what it shows in a fixed number of queries, whatever the
size of the customer's history (the overview's query counts are asserted)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

from kontor.activities.selectors import User
from kontor.contacts.models import Contact, Organization

# The keys the overview's JSON answer always has; a section registered
# under one fills it, the others stay empty lists.
ANSWER_KEYS = ("deals", "tickets", "quotes", "orders", "open_payments")


@dataclass(frozen=True)
class OverviewSection:
    """``for_contact(user, contact)`` and ``for_organization(user,
    organization, member_ids)`` read the section's content (anything) as the
    user may see it; ``as_json(request, content)`` turns it into the value
    of ``key`` in the JSON answer; ``template`` renders it on the contact's
    and the organization's page (context: ``section``, ``content``,
    ``record``, ``request``)."""

    key: str
    label: Promise | str
    for_contact: Callable[[User, Contact], Any]
    for_organization: Callable[[User, Organization, list[uuid.UUID]], Any]
    as_json: Callable[[HttpRequest, Any], Any]
    template: str
    position: int = 100


_SECTIONS: dict[str, OverviewSection] = {}


def register_overview_section(section: OverviewSection) -> None:
    """Registering a key again replaces the section."""
    _SECTIONS[section.key] = section


def overview_sections() -> list[OverviewSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.position, section.key))


def is_registered(key: str) -> bool:
    return key in _SECTIONS
