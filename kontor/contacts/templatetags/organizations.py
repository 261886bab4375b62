"""``{{ contact|visible_organization:request.user }}``: a record's
organization, or None when the user may not read it (kontor.contacts.visibility)."""

from typing import Any

from django import template

from kontor.contacts.models import Organization
from kontor.contacts.visibility import shown_organization

register = template.Library()


@register.filter
def visible_organization(record: Any, user: Any) -> Organization | None:
    return shown_organization(user, record)
