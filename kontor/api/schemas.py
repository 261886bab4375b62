"""The bases of every API schema.

``Schema`` is Ninja's, reading a record faster: Ninja hands Pydantic a
getter whose every attribute is a Python call (a failed lookup, then
``__getattr__``), about 1 400 of them for a page of 50 contacts; this one
reads each field once into a dict, which Pydantic validates without calling
back. Resolvers (``resolve_<field>``), aliases, defaults for what a record
lacks, related managers and callables are read as Ninja reads them.

``StrictSchema``, the base of every input schema: unknown fields are an
error (a typo is never silently lost data), and JSON types are taken
strictly. A boolean is only ``true`` or ``false`` (``{"is_active": 0}`` is
refused, not read as false), an integer only a JSON integer (not ``"3"``,
``3.0`` or ``true``), a decimal a JSON number or a decimal string, never a
boolean. Query parameters are text by nature and keep being read as such."""

import functools
import types
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import ninja
from django.db.models import Manager, QuerySet
from django.db.models.fields.files import FieldFile
from django.template import Variable, VariableDoesNotExist
from ninja.schema import DjangoGetter
from pydantic import (
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

_ABSENT = object()


class _Record:
    """What a resolver is given: the record and the validation's context."""

    __slots__ = ("_context", "_obj")

    def __init__(self, obj: Any, context: Any):
        self._obj = obj
        self._context = context


def _read(obj: Any, key: str) -> Any:
    """``obj``'s value for ``key`` as Ninja's getter reads it, or _ABSENT."""
    if isinstance(obj, dict):
        return obj.get(key, _ABSENT)
    try:
        return getattr(obj, key)
    except AttributeError:
        try:
            return Variable(key).resolve(obj)
        except (AttributeError, VariableDoesNotExist):  # a property's own error
            return _ABSENT


# Values given as they are, without asking what else they might be.
_PLAIN = frozenset({str, int, bool, float, type(None), UUID, datetime, date, Decimal, list, dict})


def _converted(value: Any) -> Any:
    """A value as Ninja's getter gives it: a related manager's or a query
    set's records as a list, a callable's result, a file's URL."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Manager):
        return list(value.all())
    if isinstance(value, QuerySet):
        return list(value)
    if callable(value):
        return value()
    if isinstance(value, FieldFile):
        return value.url if value else None
    return value


@functools.cache
def _keys(cls: type["Schema"]) -> tuple[tuple[str, ...], ...] | None:
    """Per field, the keys Pydantic looks for (its alias, and its name when
    it may be given by name); None if a field's alias is a path or a choice,
    which only Ninja's getter reads."""
    by_name = cls.model_config.get("populate_by_name") or cls.model_config.get("validate_by_name")
    keys = []
    for name, field in cls.model_fields.items():
        alias = field.validation_alias if field.validation_alias is not None else field.alias
        if alias is None:
            keys.append((name,))
        elif not isinstance(alias, str):
            return None
        else:
            keys.append((alias, name) if by_name and alias != name else (alias,))
    return tuple(keys)


class Schema(ninja.Schema):  # noqa: TID251 (the one place)
    """Ninja's schema, validating a record from a dict of its fields."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        resolvers = cls._ninja_resolvers
        if isinstance(values, dict) and not resolvers:
            return handler(values)
        if cls.model_config.get("extra") == "forbid" or cls.model_config.get("validate_assignment"):
            handler(values)  # as Ninja does: unknown keys of a dict are refused
        keys = _keys(cls)
        if keys is None:
            return handler(DjangoGetter(values, cls, info.context))
        record = _Record(values, info.context)
        data = {}
        for candidates in keys:
            for key in candidates:
                if resolver := resolvers.get(key):
                    try:
                        value = resolver(record)
                    except AttributeError:  # a missing value, as for Pydantic
                        continue
                else:
                    value = _read(values, key)
                    if value is _ABSENT:
                        continue
                data[key] = _converted(value)
                break
        return handler(data)


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
