"""The quality section of the 360° view (kontor.activities.sections): the
record's score, its parts and the reasons, for the page and the API."""

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kontor.activities.sections import OverviewSection, register_overview_section
from kontor.activities.selectors import User
from kontor.contacts.models import Contact, Organization
from kontor.quality.schemas import quality_json
from kontor.quality.selectors import Quality, quality_of


def _for_contact(user: User, contact: Contact) -> Quality | None:
    return quality_of(user=user, key="contact", record=contact)


def _for_organization(
    user: User, organization: Organization, member_ids: list[uuid.UUID]
) -> Quality | None:
    return quality_of(user=user, key="organization", record=organization)


def _as_json(request: HttpRequest, content: Quality | None) -> dict[str, Any] | None:
    return quality_json(content)


def register_quality_section() -> None:
    register_overview_section(
        OverviewSection(
            key="quality",
            label=_("Data quality"),
            for_contact=_for_contact,
            for_organization=_for_organization,
            as_json=_as_json,
            template="quality/_overview_quality.html",
            position=90,
        )
    )
