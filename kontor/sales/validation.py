"""Reading the input of the sales services (kontor.contacts.input): money,
amounts, dates, currencies and lists of lines besides what every customer
record has."""

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies

from kontor.contacts.input import Input as CustomerInput

CURRENCIES = frozenset(list_currencies()) - {"XXX", "XTS"}
# The largest amount the columns hold (16 digits, two of them decimal places).
MAX_AMOUNT = Decimal(10) ** 14
MAX_LINES = 500

# Inside ``records_read_before``: records already read (by the same
# selectors) per input field, so many writes checked one by one read each
# kind of related record in one query.
_READ_BEFORE: contextvars.ContextVar[Mapping[str, Mapping[Any, Any]] | None] = (
    contextvars.ContextVar("kontor_sales_records_read_before", default=None)
)


@contextlib.contextmanager
def records_read_before(records: Mapping[str, Mapping[Any, Any]]) -> Iterator[None]:
    """``Input.record`` answers the fields in ``records`` (``{field: {pk:
    record}}``, read through the same selector the input would use) from
    them: a pk not there is no record the actor may see."""
    token = _READ_BEFORE.set(records)
    try:
        yield
    finally:
        _READ_BEFORE.reset(token)


class Input(CustomerInput):
    """The sales services' input: money, amounts, dates and currencies
    besides what every customer record has."""

    def find(self, field: str, visible: Any, pk: Any) -> Any:
        read_before = (_READ_BEFORE.get() or {}).get(field)
        if read_before is not None:
            return read_before.get(pk)
        return super().find(field, visible, pk)

    def decimal(
        self,
        field: str,
        value: Any,
        *,
        places: int,
        minimum: Decimal | None = Decimal(0),
        maximum: Decimal = MAX_AMOUNT,
        positive: bool = False,
        store: bool = True,
    ) -> Decimal | None:
        """A decimal given as text ("12.50"), an integer or a Decimal; floats
        are refused (0.1 is no exact amount)."""
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.error(field, 'must be a decimal number as text, e.g. "12.50"')
            return None
        if isinstance(value, str) and len(value) > 60:
            self.error(field, "must be a decimal number")
            return None
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            self.error(field, 'must be a decimal number, e.g. "12.50"')
            return None
        if not number.is_finite():
            self.error(field, "must be a finite number")
            return None
        if positive and number <= 0:
            self.error(field, "must be greater than 0")
            return None
        if minimum is not None and number < minimum:
            self.error(field, f"must not be less than {minimum}")
            return None
        if number >= maximum:
            self.error(field, f"must be less than {maximum}")
            return None
        if number <= -maximum:  # without a minimum (a credit note's amount)
            self.error(field, f"must be greater than {-maximum}")
            return None
        if -number.as_tuple().exponent > places and number != number.quantize(
            Decimal(1).scaleb(-places)
        ):
            self.error(field, f"must have at most {places} decimal places")
            return None
        number = number.quantize(Decimal(1).scaleb(-places))
        if store:
            self.values[field] = number
        return number

    def whole(
        self, field: str, value: Any, *, minimum: int = 0, maximum: int, nullable: bool = False
    ) -> int | None:
        if value is None and nullable:
            self.values[field] = None
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(field, "must be a whole number")
            return None
        if not minimum <= value <= maximum:
            self.error(field, f"must be between {minimum} and {maximum}")
            return None
        self.values[field] = value
        return value

    def date(
        self, field: str, value: Any, *, required: bool = False, store: bool = True
    ) -> datetime.date | None:
        if value is None:
            if required:
                self.error(field, "is required")
            elif store:
                self.values[field] = None
            return None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value.strip())
            except ValueError:
                self.error(field, "must be a date as YYYY-MM-DD")
                return None
        if not isinstance(value, datetime.date):
            self.error(field, "must be a date as YYYY-MM-DD")
            return None
        if not 1900 <= value.year <= 2999:
            self.error(field, "must be a year between 1900 and 2999")
            return None
        if store:
            self.values[field] = value
        return value

    def currency(self, value: Any, field: str = "currency") -> str | None:
        if not isinstance(value, str) or value.strip().upper() not in CURRENCIES:
            self.error(field, "must be an ISO 4217 currency code, e.g. EUR")
            return None
        self.values[field] = value.strip().upper()
        return self.values[field]

    def owner(self, owner_id: Any, field: str = "owner_id") -> None:
        self.user(field, owner_id, "owner")


def as_list(inp: Input, field: str, value: Any, *, limit: int = MAX_LINES) -> list:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        inp.error(field, "must be a list")
        return []
    items = list(value)
    if len(items) > limit:
        inp.error(field, f"must have at most {limit} entries")
        return []
    return items
