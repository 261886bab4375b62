"""The base of every API input schema: unknown fields are an error (a typo is
never silently lost data), and JSON types are taken strictly. A boolean is
only ``true`` or ``false`` (``{"is_active": 0}`` is refused, not read as
false), an integer only a JSON integer (not ``"3"``, ``3.0`` or ``true``), a
decimal a JSON number or a decimal string, never a boolean. Query
parameters are text by nature and keep being read as such."""

import types
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

_REASONS = {
    bool: "must be true or false",
    int: "must be an integer",
    Decimal: "must be a number or a decimal string",
}


def _strict_type(annotation: Any) -> tuple[type | None, bool]:
    """The type whose JSON form is checked strictly (bool, int, Decimal) and
    whether the field holds a list of them; (None, False) for other fields."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return _strict_type(options[0]) if len(options) == 1 else (None, False)
    if origin in (list, tuple, set, frozenset):
        inner, _ = _strict_type((get_args(annotation) or (Any,))[0])
        return inner, inner is not None
    return (annotation, False) if annotation in _REASONS else (None, False)


def _accepts(kind: type, value: Any) -> bool:
    if value is None:
        return True  # whether null is allowed is the field's own business
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return type(value) is int
    return not isinstance(value, bool) and isinstance(value, int | float | str | Decimal)


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _json_types_strictly(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        kind, many = _strict_type(cls.model_fields[info.field_name].annotation)
        if kind is None:
            return value
        if many and isinstance(value, list | tuple):
            if not all(_accepts(kind, item) for item in value):
                raise ValueError(f"each entry {_REASONS[kind]}")
        elif not many and not _accepts(kind, value):
            raise ValueError(_REASONS[kind])
        return value
