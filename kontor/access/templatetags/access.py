"""Template helpers of the access rules: ``{{ contact|contact_name:user }}``
names a contact without revealing an email address or phone number the
user may not read; ``{% fields_of user "contact" as readable %}`` gives the
readable fields (``"phones" in readable``)."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kontor.access.display import shown_contact_name
from kontor.access.policy import FieldAccess, fields_for

register = template.Library()


@register.filter
def contact_name(contact: Any, user: Any) -> str:
    return shown_contact_name(user, contact) or _("(no name)")


@register.simple_tag
def fields_of(user: Any, object_type: str) -> FieldAccess:
    return fields_for(user, object_type)
