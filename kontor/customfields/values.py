"""Validation of custom field values against the administrator's definitions.
Every write path of every record type with custom fields (API, UI, import,
demo data) passes through ``clean_custom_values``."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from kontor.core.storable_text import UNSTORABLE_REASON, is_storable
from kontor.customfields.models import CustomFieldDefinition, CustomFieldType
from kontor.customfields.selectors import definitions_for

MAX_TEXT_LENGTH = 10_000
# Beyond this, a number would lose digits as JSON and in spreadsheets (and a
# huge exponent would cost seconds to expand).
MAX_NUMBER = Decimal(10) ** 15
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > MAX_TEXT_LENGTH:
            raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
        if not is_storable(value):
            raise ValueError(UNSTORABLE_REASON)
        return value
    if kind == CustomFieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("must be a number")
        if isinstance(value, str) and len(value) > 100:
            raise ValueError("must be a number")
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise ValueError("must be a number") from None
        if not number.is_finite():
            raise ValueError("must be a finite number")
        if number.copy_abs() >= MAX_NUMBER:
            raise ValueError("must be between -10^15 and 10^15")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldType.DATE:
        if isinstance(value, datetime.datetime):
            raise ValueError("must be a date as YYYY-MM-DD")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError("must be a date as YYYY-MM-DD")
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise ValueError("must be an existing date as YYYY-MM-DD") from None
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind == CustomFieldType.CHOICE:
        # Compared with the type, so that true is not taken for a choice 1.
        if not any(type(value) is type(c) and value == c for c in definition.choices):
            allowed = ", ".join(str(c) for c in definition.choices)
            raise ValueError(f"must be one of: {allowed}")
        return value
    raise ValueError(f"has an unknown field type {kind!r}")


def clean_custom_values(
    object_type: str, values: Any, *, existing: dict[str, Any] | None = None, creating: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Merge ``values`` into ``existing``; ``None`` clears a field.

    Returns the merged values and the errors per field (``custom.<key>``). A
    required field is enforced on creation and whenever a write clears it, so
    records made before the field became required stay editable."""
    errors: dict[str, list[str]] = {}
    if values is None:
        values = {}
    if not isinstance(values, dict):
        return dict(existing or {}), {"custom": ["must be an object of field keys and values"]}
    definitions = {d.key: d for d in definitions_for(object_type)}
    merged = dict(existing or {})
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            known = ", ".join(sorted(definitions)) or "none are defined"
            errors[f"custom.{key}"] = [f"is not a custom field here (known fields: {known})"]
            continue
        if value is None or value == "":
            merged.pop(key, None)
            if definition.required:
                errors[f"custom.{key}"] = ["is required"]
            continue
        try:
            merged[key] = _clean_value(definition, value)
        except ValueError as exc:
            errors[f"custom.{key}"] = [str(exc)]
    if creating:
        for key, definition in definitions.items():
            if definition.required and key not in merged and f"custom.{key}" not in errors:
                errors[f"custom.{key}"] = ["is required"]
    return merged, errors
