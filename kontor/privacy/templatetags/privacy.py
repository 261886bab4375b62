"""``{% if user|may_handle_privacy_requests %}``: the register of requests of
data subjects is for the data protection officer (and administrators)."""

from typing import Any

from django import template

from kontor.privacy.selectors import may_handle_requests

register = template.Library()


@register.filter
def may_handle_privacy_requests(user: Any) -> bool:
    return may_handle_requests(user)
