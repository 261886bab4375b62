"""Field types for API input schemas."""

import datetime
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def _not_a_number(value: Any) -> Any:
    """Pydantic reads numbers as Unix timestamps; the API documents ISO 8601
    date-times, and ``until=0.5`` meaning 1970 would be a silent surprise."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("must be a date and time in ISO 8601, e.g. 2025-03-01T14:30:00+01:00")
    return value


def _in_utc(value: datetime.datetime) -> datetime.datetime:
    """Offsets up to ±24 h are valid ISO 8601, PostgreSQL takes less than ±16 h:
    store the same instant in UTC."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("is out of the supported range of dates") from None


# A date and time written as ISO 8601 text, never as a number.
IsoDateTime = Annotated[datetime.datetime, BeforeValidator(_not_a_number), AfterValidator(_in_utc)]


def _not_a_timestamp(value: Any) -> Any:
    """A date is written as YYYY-MM-DD; pydantic would read 0 as 1970-01-01."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("must be a date as YYYY-MM-DD, e.g. 2026-03-01")
    return value


# A date written as ISO 8601 text (YYYY-MM-DD), never as a number.
IsoDate = Annotated[datetime.date, BeforeValidator(_not_a_timestamp)]


# The `next` of a list's previous page: opaque, URL-safe base64 (kontor.core.pagination);
# an empty one (``?cursor=``, as a form or a client with no cursor yet sends) is the first page.
Cursor = Annotated[
    str,
    Field(
        max_length=500,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="The `next` of the previous page; opaque.",
    ),
]
