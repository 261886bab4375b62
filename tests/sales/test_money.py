"""Quote totals equal a reference computation with Python's decimal module,
for any mix of tax rates, discounts and quantities (property-based)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kontor.sales.money import LineInput, line_net, totals

quantities = st.decimals(min_value="0.001", max_value="100000", places=3)
prices = st.decimals(min_value="0", max_value="1000000", places=4)
discounts = st.decimals(min_value="0", max_value="100", places=2)
rates = st.sampled_from([Decimal("19"), Decimal("7"), Decimal("0"), Decimal("5.5")]) | st.decimals(
    min_value="0", max_value="100", places=2
)
lines = st.lists(
    st.builds(LineInput, quantity=quantities, unit_price=prices, discount_percent=discounts,
              tax_rate=rates),
    max_size=30,
)  # fmt: skip


def reference(items: list[LineInput]) -> tuple[list[Decimal], Decimal, dict, Decimal]:
    """Written independently: exact fractions, rounded once per line and per rate."""
    from fractions import Fraction

    amounts = []
    for item in items:
        exact = (Fraction(item.quantity) * Fraction(item.unit_price)
                 * (100 - Fraction(item.discount_percent)) / 100)  # fmt: skip
        amounts.append(_half_up(exact))
    bases: dict[Decimal, Fraction] = {}
    for item, amount in zip(items, amounts, strict=True):
        key = item.tax_rate.quantize(Decimal("0.01"))
        bases[key] = bases.get(key, Fraction(0)) + Fraction(amount)
    taxes = {rate: _half_up(base * Fraction(rate) / 100) for rate, base in bases.items()}
    net = sum(amounts, Decimal("0.00"))
    return amounts, net, taxes, net + sum(taxes.values(), Decimal("0.00"))


def _half_up(value) -> Decimal:
    """Half-up to cents of an exact fraction, by integer arithmetic."""
    from fractions import Fraction

    scaled = Fraction(value) * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if rest * 2 >= scaled.denominator:
        whole += 1
    return (Decimal(whole) / 100).quantize(Decimal("0.01"))


@given(lines)
def test_totals_equal_the_reference_computation(items):
    result = totals(items)
    amounts, net, taxes, gross = reference(items)
    assert list(result.lines) == amounts
    assert result.net == net
    assert {t.rate: t.amount for t in result.tax} == taxes
    assert result.gross == gross
    assert result.gross == result.net + result.tax_total
    assert all(a.as_tuple().exponent == -2 for a in (result.net, result.gross, *result.lines))


@given(lines)
def test_tax_is_listed_once_per_rate_in_ascending_order(items):
    rates = [t.rate for t in totals(items).tax]
    assert rates == sorted(set(rates))


def test_a_line_rounds_half_up_to_cents():
    line = LineInput(Decimal("1"), Decimal("0.125"), Decimal("0"), Decimal("19"))
    assert line_net(line) == Decimal("0.13")
    third = LineInput(Decimal("3"), Decimal("33.3333"), Decimal("10"), Decimal("19"))
    assert line_net(third) == Decimal("90.00")  # 89.99991 → 90.00


def test_tax_is_rounded_once_per_rate_not_per_line():
    items = [LineInput(Decimal("1"), Decimal("0.05"), Decimal("0"), Decimal("19"))] * 3
    result = totals(items)
    # Per line 0.0095 would round to 0.01 each (0.03); on the sum 0.15 it is 0.0285 → 0.03.
    assert [t.amount for t in result.tax] == [Decimal("0.03")]
    assert result.gross == Decimal("0.18")


def test_no_lines_make_zero_totals():
    result = totals([])
    assert (result.net, result.tax, result.gross) == (Decimal("0.00"), (), Decimal("0.00"))
