"""Money: the one function that computes the totals of a quote or an order.

Every amount is a ``Decimal``. A line's net amount is quantity x unit price
less its discount, rounded half-up to cents; tax is summed per rate over the
rounded line amounts and rounded half-up once per rate; gross is net plus
the taxes."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
# Enough digits for the largest quantity x unit price the columns hold, so
# that nothing is rounded before the one rounding to cents.
PRECISION = 60
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class TaxAmount:
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[Decimal, ...]
    net: Decimal
    tax: tuple[TaxAmount, ...]
    gross: Decimal

    @property
    def tax_total(self) -> Decimal:
        return sum((t.amount for t in self.tax), ZERO)


def line_net(line: LineInput) -> Decimal:
    """quantity x unit price x (1 - discount/100), half-up to cents (the exact
    product is rounded once, never an intermediate)."""
    with localcontext(prec=PRECISION):
        exact = line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED
        return to_cents(exact)


def totals(lines: Iterable[LineInput]) -> Totals:
    lines = list(lines)
    amounts = tuple(line_net(line) for line in lines)
    by_rate: dict[Decimal, Decimal] = {}
    for line, amount in zip(lines, amounts, strict=True):
        rate = to_cents(line.tax_rate)
        by_rate[rate] = by_rate.get(rate, ZERO) + amount
    with localcontext(prec=PRECISION):
        tax = tuple(
            TaxAmount(rate=rate, amount=to_cents(base * rate / HUNDRED))
            for rate, base in sorted(by_rate.items())
        )
    net = sum(amounts, ZERO)
    return Totals(lines=amounts, net=net, tax=tax, gross=net + sum((t.amount for t in tax), ZERO))


def rate_text(rate: Decimal) -> str:
    """``19`` for 19.00, ``7.5`` for 7.50: a rate as people write it."""
    return format(rate.normalize(), "f") if rate else "0"
