from typing import Any

from django import template

from kontor.sales import formatting

register = template.Library()


@register.filter
def money(value: Any, currency: str) -> str:
    """``{{ deal.amount|money:deal.currency }}``"""
    return formatting.money(value, currency)


@register.filter
def amount(value: Any) -> str:
    """A quantity, rate or percentage without trailing zeros."""
    return formatting.number(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
