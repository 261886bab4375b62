"""Keyset ("cursor") pagination: pages cost the same however deep a client
pages, and rows inserted meanwhile neither repeat nor vanish."""

import base64
import binascii
import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from kontor.core.exceptions import FieldErrors

T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps(
        [v.isoformat() if isinstance(v, datetime.datetime) else str(v) for v in values]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldErrors.single("cursor", "is not a cursor this list handed out") from None
    if not isinstance(values, list) or len(values) != count:
        raise FieldErrors.single("cursor", "is not a cursor this list handed out")
    return values


def _parse(model: type[Model], field: str, value: Any) -> Any:
    internal = model._meta.get_field(field)
    invalid = FieldErrors.single("cursor", "is not a cursor this list handed out")
    if not isinstance(value, str):
        raise invalid
    try:
        if internal.get_internal_type() == "DateTimeField":
            parsed = datetime.datetime.fromisoformat(value)
            if parsed.tzinfo is None:  # every cursor handed out carries its offset
                raise invalid
            return parsed.astimezone(datetime.UTC)
        if internal.get_internal_type() == "UUIDField":
            return uuid.UUID(value)
        return internal.to_python(value)
    except (ValueError, TypeError, AttributeError, OverflowError, ValidationError):
        raise invalid from None


def paginate(
    queryset: QuerySet[T], *, order: tuple[str, str], limit: int, cursor: str | None
) -> Page[T]:
    """Order ``queryset`` by ``order`` (a sort field and a unique tie-breaker,
    both ascending or both descending, e.g. ``("-created_at", "-id")``) and
    return the page after ``cursor``."""
    descending = order[0].startswith("-")
    fields = [name.lstrip("-") for name in order]
    queryset = queryset.order_by(*order)
    if cursor:
        model = queryset.model
        first, second = (
            _parse(model, f, v) for f, v in zip(fields, _decode(cursor, 2), strict=True)
        )
        op = "lt" if descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{fields[0]}__{op}": first})
            | Q(**{fields[0]: first, f"{fields[1]}__{op}": second})
        )
    items = list(queryset[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = _encode([getattr(last, f) for f in fields])
    return Page(items=items, next=next_cursor)
