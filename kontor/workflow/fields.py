"""The fields of a record a rule may test or set, found through the record
registry and the model, so any registered type (and its custom fields)
works without this app knowing it."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from kontor.access.sensitive import all_custom_values
from kontor.core.records import RecordType
from kontor.customfields.selectors import definitions_for

CUSTOM_PREFIX = "custom."
# Columns that are bookkeeping, not data a rule is about.
HIDDEN = frozenset({"custom", "custom_sensitive", "id"})
# A record's people: who owns it or works on it.
PERSON_FIELDS = ("assignee", "owner")


def model_field(kind: RecordType, name: str) -> models.Field | None:
    """The concrete model field ``name`` (or its ``…_id`` column) of the type."""
    model = kind.model_class()
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if field.concrete and not field.many_to_many and field.name not in HIDDEN:
            return field
    return None


def custom_keys(kind: RecordType) -> set[str]:
    if not kind.custom_fields:
        return set()
    return {d.key for d in definitions_for(kind.key)}


def known(kind: RecordType, name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    if name.startswith(CUSTOM_PREFIX):
        return name.removeprefix(CUSTOM_PREFIX) in custom_keys(kind)
    return model_field(kind, name) is not None


def names_user(kind: RecordType, name: str) -> bool:
    """Does the field name a colleague (an owner, an assignee, an author)?"""
    field = model_field(kind, name) if not name.startswith(CUSTOM_PREFIX) else None
    return bool(
        field is not None
        and field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def date_field(kind: RecordType, name: Any) -> models.Field | None:
    field = model_field(kind, name) if isinstance(name, str) else None
    if isinstance(field, models.DateField):  # DateTimeField is one too
        return field
    return None


def person_field(kind: RecordType) -> str | None:
    """The field ``assign`` sets: the record's assignee, else its owner."""
    for name in PERSON_FIELDS:
        if names_user(kind, name):
            return name
    return None


def value_of(kind: RecordType, record: Any, name: str) -> Any:
    """The record's value of a field, as conditions compare it: ids of
    related records as text, custom values as stored."""
    if name.startswith(CUSTOM_PREFIX):
        return all_custom_values(record).get(name.removeprefix(CUSTOM_PREFIX))
    field = model_field(kind, name)
    if field is None:
        return None
    value = getattr(record, field.attname)
    return normalized(value)


def normalized(value: Any) -> Any:
    if isinstance(value, str | bool | int | float | Decimal) or value is None:
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value
    if isinstance(value, list | tuple):
        return [normalized(v) for v in value]
    return str(value)


def coerce(kind: RecordType, name: str, value: Any) -> Any:
    """A condition's value as the field holds it; ValidationError if it
    cannot be one."""
    if name.startswith(CUSTOM_PREFIX) or value is None:
        return value
    field = model_field(kind, name)
    if field is None or field.is_relation:
        return str(value) if not isinstance(value, list | dict) else value
    if isinstance(value, list | dict):
        raise ValidationError("must be a single value")
    converted = field.to_python(value)
    if field.choices and converted not in {choice for choice, _label in field.flatchoices}:
        choices = ", ".join(str(choice) for choice, _label in field.flatchoices)
        raise ValidationError(f"must be one of: {choices}")
    if isinstance(converted, datetime.datetime) and converted.tzinfo is None:
        converted = converted.replace(tzinfo=datetime.UTC)
    return normalized(converted)


def as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
