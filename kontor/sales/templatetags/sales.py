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


@register.filter
def may_see_amount(record: Any, user: Any) -> bool:
    """May ``user`` read the amounts of this deal, quote or order?"""
    from kontor.access.policy import fields_for
    from kontor.core.records import record_type_for

    key = record_type_for(record).key
    return fields_for(user, key).may_read("amount" if key == "deal" else "amounts")


@register.filter
def customer_for(record: Any, user: Any) -> Any:
    """The record's organization or contact as ``user`` may see it (else None)."""
    from kontor.contacts.visibility import shown_customer

    return shown_customer(user, record)
