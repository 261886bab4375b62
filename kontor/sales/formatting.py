"""Amounts as people read them, in the active language: ``1.234,50 €`` in
German, ``€1,234.50`` in English (Babel's CLDR data)."""

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language, to_locale


def _locale() -> str:
    return to_locale(get_language() or "en")


def money(value: Any, currency: str) -> str:
    if value is None:
        return ""
    return format_currency(Decimal(value), currency, locale=_locale())


def number(value: Any, *, places: int | None = None) -> str:
    """A quantity or a rate without trailing zeros (``1,5``; ``19``)."""
    if value is None:
        return ""
    value = Decimal(value)
    if places is None:
        value = value.normalize() if value else Decimal(0)
        text_places = max(0, -value.as_tuple().exponent)
        return format_decimal(value, format=f"#,##0.{'#' * text_places}" if text_places
                              else "#,##0", locale=_locale())  # fmt: skip
    return format_decimal(value, format=f"#,##0.{'0' * places}", locale=_locale())
