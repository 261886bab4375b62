"""Template helpers of contacts: ``{{ contact|contact_name:user }}`` names a
contact without revealing an email address or phone number the user may not
read; ``{{ contact|visible_organization:request.user }}`` is a record's
organization, or None when the user may not read it
(kontor.contacts.visibility)."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kontor.contacts.display import shown_contact_name
from kontor.contacts.models import Organization
from kontor.contacts.visibility import shown_organization

register = template.Library()


@register.filter
def contact_name(contact: Any, user: Any) -> str:
    return shown_contact_name(user, contact) or _("(no name)")


@register.filter
def visible_organization(record: Any, user: Any) -> Organization | None:
    return shown_organization(user, record)
