from typing import Any

from django import template

from kontor.workflow.services import may_manage

register = template.Library()


@register.filter
def may_manage_workflows(user: Any) -> bool:
    return may_manage(user)
