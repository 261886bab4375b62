"""Conditions: ``{"all"|"any": [{"field", "op", "value"} | a nested group]}``
on a record's model fields and custom fields (``custom.<key>``)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from kontor.core.records import RecordType
from kontor.workflow import fields

OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "empty", "in")
MAX_NESTING = 5


def validate(kind: RecordType, group: Any, errors: dict[str, list[str]], *, path="conditions"):
    """Collect what is wrong with a group into ``errors`` (keyed by where)."""
    if group in (None, {}):
        return
    if not isinstance(group, dict) or len(group) != 1 or next(iter(group)) not in ("all", "any"):
        errors.setdefault(path, []).append('must be {"all": [...]} or {"any": [...]}')
        return
    if path.count(".") > MAX_NESTING:
        errors.setdefault(path, []).append(f"nests deeper than {MAX_NESTING} groups")
        return
    ((mode, items),) = group.items()
    if not isinstance(items, list):
        errors.setdefault(f"{path}.{mode}", []).append("must be a list")
        return
    for index, item in enumerate(items):
        where = f"{path}.{mode}[{index}]"
        if isinstance(item, dict) and set(item) & {"all", "any"}:
            validate(kind, item, errors, path=where)
        else:
            _validate_test(kind, item, errors, where)


def _validate_test(kind: RecordType, item: Any, errors: dict[str, list[str]], where: str):
    if not isinstance(item, dict):
        errors.setdefault(where, []).append('must be {"field", "op", "value"} or a group')
        return
    unknown = set(item) - {"field", "op", "value"}
    if unknown:
        errors.setdefault(where, []).append(f"unknown keys: {', '.join(sorted(unknown))}")
    name, op = item.get("field"), item.get("op")
    if not fields.known(kind, name):
        errors.setdefault(f"{where}.field", []).append(
            f"{name!r} is no field of {kind.key}" if isinstance(name, str) else "is required"
        )
        return
    if op not in OPS:
        errors.setdefault(f"{where}.op", []).append(f"must be one of: {', '.join(OPS)}")
        return
    if op == "empty":
        if not isinstance(item.get("value", True), bool):
            errors.setdefault(f"{where}.value", []).append("must be true or false for empty")
        return
    if "value" not in item:
        errors.setdefault(f"{where}.value", []).append("is required")
        return
    value = item["value"]
    if op == "in" and not isinstance(value, list):
        errors.setdefault(f"{where}.value", []).append("must be a list for in")
        return
    try:
        for each in value if op == "in" else [value]:
            if op != "contains":
                fields.coerce(kind, name, each)
    except ValidationError as error:
        errors.setdefault(f"{where}.value", []).append("; ".join(error.messages))


def tested_fields(group: Any) -> list[tuple[str, str]]:
    """Every ``(field, op)`` a group tests."""
    if not isinstance(group, dict):
        return []
    found = []
    for items in group.values():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and set(item) & {"all", "any"}:
                found += tested_fields(item)
            elif isinstance(item, dict) and isinstance(item.get("field"), str):
                found.append((item["field"], str(item.get("op"))))
    return found


def holds(kind: RecordType, record: Any, group: Any) -> bool:
    """Does the record meet the conditions (no conditions: always)?"""
    if not group:
        return True
    ((mode, items),) = group.items()
    results = (
        holds(kind, record, item) if set(item) & {"all", "any"} else _test(kind, record, item)
        for item in items
    )
    return all(results) if mode == "all" else any(results)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    a, b = fields.as_number(left), fields.as_number(right)
    if a is not None and b is not None:
        return a, b
    if isinstance(left, datetime.datetime) and isinstance(right, datetime.datetime):
        return left, right
    if isinstance(left, datetime.date) and isinstance(right, datetime.date):
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    return None


def _equal(left: Any, right: Any) -> bool:
    pair = _comparable(left, right)
    if pair is not None:
        return pair[0] == pair[1]
    return left == right


def _test(kind: RecordType, record: Any, item: dict[str, Any]) -> bool:
    name, op = item["field"], item["op"]
    actual = fields.value_of(kind, record, name)
    if op == "empty":
        return _is_empty(actual) == item.get("value", True)
    expected = item.get("value")
    if op == "contains":
        if isinstance(actual, list):
            return any(_equal(each, expected) for each in actual)
        return isinstance(actual, str) and str(expected).casefold() in actual.casefold()
    if op == "in":
        return any(_equal(actual, fields.coerce(kind, name, each)) for each in expected)
    expected = fields.coerce(kind, name, expected)
    if op == "eq":
        return _equal(actual, expected)
    if op == "ne":
        return not _equal(actual, expected)
    pair = _comparable(actual, expected)
    if pair is None:
        return False
    left, right = pair
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
