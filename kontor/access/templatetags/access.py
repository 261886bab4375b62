"""Template helpers of the access rules: ``{% fields_of user "contact" as
readable %}`` gives the readable fields (``"phones" in readable``)."""

from typing import Any

from django import template

from kontor.access.policy import FieldAccess, fields_for

register = template.Library()


@register.simple_tag
def fields_of(user: Any, object_type: str) -> FieldAccess:
    return fields_for(user, object_type)
