"""Keyset ("cursor") pagination: pages cost the same however deep a client
pages, and rows inserted meanwhile neither repeat nor vanish."""

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL

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
    queryset: QuerySet[T],
    *,
    order: tuple[str, str],
    limit: int,
    cursor: str | None,
    candidates: Sequence[QuerySet[T]] = (),
) -> Page[T]:
    """Order ``queryset`` by ``order`` (a sort field and a unique tie-breaker,
    both ascending or both descending, e.g. ``("-created_at", "-id")``) and
    return the page after ``cursor``.

    With ``candidates``, the list holds only the records of ``queryset``
    that are in one of them, such as the branches of a search (matched by
    name, by organization, by email address …). Each candidate is paged on
    its own and only the union of those pages is read: every record of the
    page is among the first records of some branch. The database serves each
    branch from its best index and stops after a page, so a search that
    matches a tenth of a million records costs little more than one that
    matches ten."""
    queryset = queryset.order_by(*order)
    after = _after(queryset.model, order, cursor) if cursor else Q()
    if candidates:
        pages = [c.filter(after).order_by(*order).values("pk")[: limit + 1] for c in candidates]
        union = _union_of(pages)
        if union is None:
            return Page(items=[], next=None)
        queryset = queryset.filter(pk__in=union)
    items = list(queryset.filter(after)[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = _encode([getattr(last, name.lstrip("-")) for name in order])
    return Page(items=items, next=next_cursor)


# For lists with an order of their own (the ranked contact search).
encode_cursor = _encode
decode_cursor = _decode
parse_cursor_value = _parse


def _after(model: type[Model], order: tuple[str, str], cursor: str) -> Q:
    """The rows after the one ``cursor`` points at, in ``order``."""
    fields = [name.lstrip("-") for name in order]
    first, second = (_parse(model, f, v) for f, v in zip(fields, _decode(cursor, 2), strict=True))
    return rows_after(order, first, second)


def rows_after(order: tuple[str, str], first: Any, second: Any) -> Q:
    """The rows after the one whose ``order`` fields hold ``first`` and ``second``."""
    fields = [name.lstrip("-") for name in order]
    op = "lt" if order[0].startswith("-") else "gt"
    return Q(**{f"{fields[0]}__{op}": first}) | Q(
        **{fields[0]: first, f"{fields[1]}__{op}": second}
    )


def _union_of(querysets: Sequence[QuerySet]) -> RawSQL | None:
    """``SELECT … UNION SELECT …`` of single-column querysets that may each be
    ordered and sliced. SQLite allows neither inside a compound statement, so
    each is wrapped as a derived table (as PostgreSQL accepts too). A queryset
    that can match nothing (e.g. for a user who may read none of its records)
    has no SQL and is left out; None when all are."""
    parts, params = [], []
    for number, queryset in enumerate(querysets):
        try:
            sql, part_params = queryset.query.sql_with_params()
        except EmptyResultSet:
            continue
        # Django's own SQL of the queryset; values stay bound parameters.
        parts.append(f"SELECT * FROM ({sql}) AS candidates_{number}")  # noqa: S608
        params.extend(part_params)
    if not parts:
        return None
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611


def page_links(request: Any, page: Page) -> dict[str, str | None]:
    """A page's links for templates: ``next_url`` (the next page, same
    filters) and ``first_url`` (back to the first, when not on it)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    next_url = None
    if page.next:
        query["cursor"] = page.next
        next_url = f"{request.path}?{query.urlencode()}"
    first_url = None
    if "cursor" in request.GET:
        query.pop("cursor", None)
        first_url = f"{request.path}?{query.urlencode()}"
    return {"next_url": next_url, "first_url": first_url}
