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
boolean. Query parameters are text by nature and keep being read as such.
Text that no database can store (a NUL character, an unpaired surrogate;
``kontor.core.storable_text``) is refused wherever it is in a field's value
— a list's item, a key or value of a nested object — so that no service
meets it in the database first."""

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

from kontor.core.exceptions import FieldErrors
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable

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


def _unstorable_text_at(data: Any) -> str | None:
    """Where in ``data`` (a JSON value) is text a database cannot store, as
    ``FieldErrors`` names a field (``emails[0].address``, ``custom.<key>``;
    an object's key names the object); None when nowhere. Read without
    recursion: the nesting is the sender's."""
    pending: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if not is_storable(value):
                return _field_name(path)
        elif isinstance(value, list | tuple):
            pending.extend((item, (*path, index)) for index, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not is_storable(key):
                    return _field_name(path)
                pending.append((item, (*path, key)))
    return None


def _field_name(path: tuple[Any, ...]) -> str:
    if not path:
        return "__all__"
    name = str(path[0])
    rest = path[1:]
    if rest and isinstance(rest[0], int):
        name, rest = f"{name}[{rest[0]}]", rest[1:]
    return ".".join([name, *(str(part) for part in rest)])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        # A FieldErrors, not a ValueError: Pydantic would name only the
        # field, not the list item or the custom value within it.
        if (field := _unstorable_text_at(data)) is not None:
            raise FieldErrors.single(field, UNSTORABLE_REASON)
        return data

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
