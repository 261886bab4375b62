"""``{% if user|may_view_jobs %}``: the jobs page is for administrators."""

from typing import Any

from django import template

from kontor.tasks.selectors import may_view_jobs as _may_view_jobs

register = template.Library()


@register.filter
def may_view_jobs(user: Any) -> bool:
    return _may_view_jobs(user)
