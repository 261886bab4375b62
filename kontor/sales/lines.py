"""Lines of quotes and orders: reading them from a write's input, pricing
products for the customer, and the document totals (kontor.sales.money)."""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kontor.sales.models import Line, Product
from kontor.sales.money import LineInput, Totals, totals
from kontor.sales.pricing import price_for
from kontor.sales.validation import Input, as_list

LINE_FIELDS = frozenset(
    {"product_id", "description", "quantity", "unit", "unit_price", "discount_percent", "tax_rate"}
)
MAX_QUANTITY = Decimal(10) ** 11
MAX_UNIT_PRICE = Decimal(10) ** 14
HUNDRED = Decimal(100)


def read_lines(
    inp: Input,
    value: Any,
    *,
    line_model: type[Line],
    products: Any,
    currency: str | None,
    organization: Any,
    contact: Any,
    on: datetime.date,
) -> list[Line]:
    """Unsaved lines from the input (a list of objects). A product line
    takes the product's name, unit and tax rate and the price valid for the
    customer on ``on`` unless the line gives its own; a free-text line needs
    a description, a unit price and a tax rate. ``products`` are the products
    the actor may read; a product priced in another currency than the
    document's is an error (no document mixes currencies)."""
    lines: list[Line] = []
    for index, raw in enumerate(as_list(inp, "lines", value)):
        field = f"lines[{index}]"
        if not isinstance(raw, Mapping):
            inp.error(field, "must be an object")
            continue
        for name in sorted(set(raw) - LINE_FIELDS):
            inp.error(f"{field}.{name}", "is not a field of a line")
        line = _read_line(inp, field, raw, products, currency, organization, contact, on)
        if line is not None:
            lines.append(line_model(position=index, **line))
    return lines


def _read_line(
    inp: Input,
    field: str,
    raw: Mapping[str, Any],
    products: Any,
    currency: str | None,
    organization: Any,
    contact: Any,
    on: datetime.date,
) -> dict[str, Any] | None:
    before = len(inp.errors)
    product: Product | None = None
    if raw.get("product_id") is not None:
        from kontor.sales.selectors import parse_uuid

        pk = parse_uuid(raw["product_id"])
        product = products.filter(pk=pk).first() if pk else None
        if product is None:
            inp.error(f"{field}.product_id", "is not an existing product")
        elif not product.active:
            inp.error(f"{field}.product_id", "is no longer sold (inactive)")
            product = None
        elif product.archived_at is not None:
            inp.error(f"{field}.product_id", "is archived (gone from the catalogue)")
            product = None
        elif currency and product.currency != currency and raw.get("unit_price") is None:
            inp.error(
                f"{field}.product_id",
                f"is priced in {product.currency}, the document in {currency}: "
                "one document has one currency",
            )
            product = None
    scratch = Input(inp.actor)
    description = raw.get("description")
    if description in (None, "") and product is not None:
        description = product.name
    scratch.text("description", description, limit=10_000, required=True)
    scratch.text("unit", raw.get("unit") or (product.unit if product else ""), limit=32)
    quantity = scratch.decimal(
        "quantity", raw.get("quantity"), places=3, positive=True, maximum=MAX_QUANTITY
    )
    if raw.get("unit_price") is not None:
        unit_price = scratch.decimal(
            "unit_price", raw["unit_price"], places=4, maximum=MAX_UNIT_PRICE
        )
    elif product is not None:
        unit_price = price_for(
            product,
            organization=organization,
            contact=contact,
            on=on,
            currency=product.currency,
        )
    else:
        scratch.error("unit_price", "is required for a line without a product")
        unit_price = None
    discount = scratch.decimal(
        "discount_percent", raw.get("discount_percent") or "0", places=2, maximum=HUNDRED + 1
    )
    if discount is not None and discount > HUNDRED:
        scratch.error("discount_percent", "must be between 0 and 100")
    if raw.get("tax_rate") is not None:
        tax_rate = scratch.decimal("tax_rate", raw["tax_rate"], places=2, maximum=HUNDRED + 1)
        if tax_rate is not None and tax_rate > HUNDRED:
            scratch.error("tax_rate", "must be between 0 and 100")
    elif product is not None:
        tax_rate = product.tax_rate
    else:
        scratch.error("tax_rate", "is required for a line without a product")
        tax_rate = None
    for name, reasons in scratch.errors.items():
        for reason in reasons:
            inp.error(f"{field}.{name}", reason)
    if len(inp.errors) > before:
        return None
    return {
        "product": product,
        "sku": product.sku if product else "",
        "description": scratch.values["description"],
        "unit": scratch.values.get("unit", ""),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_percent": discount,
        "tax_rate": tax_rate,
    }


def line_inputs(lines: list[Line]) -> list[LineInput]:
    return [
        LineInput(
            quantity=Decimal(line.quantity),
            unit_price=Decimal(line.unit_price),
            discount_percent=Decimal(line.discount_percent),
            tax_rate=Decimal(line.tax_rate),
        )
        for line in lines
    ]


def apply_totals(document: Any, lines: list[Line]) -> Totals:
    """Compute the lines' net amounts and the document's totals (in place)."""
    result = totals(line_inputs(lines))
    for line, amount in zip(lines, result.lines, strict=True):
        line.net_amount = amount
    document.net_total = result.net
    document.tax_total = result.tax_total
    document.gross_total = result.gross
    return result


def document_totals(document: Any) -> Totals:
    """The totals of a stored quote or order, from its lines."""
    return totals(line_inputs(list(document.lines.all())))


def line_snapshot(lines: list[Line]) -> list[str]:
    """The lines as the audit trail keeps them."""
    return [
        f"{line.quantity} x {line.description[:80]} à {line.unit_price} "
        f"-{line.discount_percent}% ({line.tax_rate}%)"
        for line in lines
    ]


def same_lines(new: list[Line], stored: list[Line]) -> bool:
    key = ("product_id", "description", "quantity", "unit", "unit_price", "discount_percent",
           "tax_rate")  # fmt: skip
    return [tuple(getattr(line, k) for k in key) for line in new] == [
        tuple(getattr(line, k) for k in key) for line in stored
    ]
