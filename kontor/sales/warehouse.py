"""The sales app's tables of the warehouse export (kontor.warehouse): stage
changes and daily snapshots of deals, quote and order lines, invoices,
products, pipelines with their stages.

Each reader yields the rows changed since ``since`` (all when it is None),
read from the database in batches so that memory stays flat. Lines carry
no change time of their own: a quote's or order's lines go again whenever
their document changed."""

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kontor.core.records import WarehouseColumn, WarehouseSpec
from kontor.sales.models import (
    Deal,
    DealStageChange,
    Invoice,
    OrderLine,
    Product,
    QuoteLine,
    Stage,
    StageKind,
)

CHUNK = 2000
CENT = Decimal("0.01")
Row = dict[str, Any]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def deal_stage_change_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    changes = DealStageChange.objects.order_by()
    if since is not None:
        # A deal's amount and source travel with its changes: they go again
        # when the deal changes.
        changes = changes.filter(Q(changed_at__gte=since) | Q(deal__updated_at__gte=since))
    values = changes.values_list(
        "id",
        "deal_id",
        "deal__pipeline_id",
        "from_stage_id",
        "to_stage_id",
        "from_name",
        "to_name",
        "changed_at",
        "changed_by_id",
        "deal__owner_id",
        "deal__organization_id",
        "deal__source",
        "deal__amount",
        "deal__currency",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "change_id": row[0],
            "deal_id": str(row[1]),
            "pipeline_id": str(row[2]),
            "from_stage_id": _text(row[3]),
            "to_stage_id": _text(row[4]),
            "from_stage_name": row[5],
            "to_stage_name": row[6],
            "changed_at": row[7],
            "changed_date": _day(row[7]),
            "changed_by_id": _text(row[8]),
            "owner_id": _text(row[9]),
            "organization_id": _text(row[10]),
            "deal_source": row[11],
            "deal_amount": row[12],
            "currency": row[13],
        }


def deal_snapshot_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    """Every open deal as it stands, once per export day (at the day's first
    export; a full export takes it again)."""
    if since is not None and _day(since) == today:
        return
    deals = (
        Deal.objects.filter(status=StageKind.OPEN)
        .order_by()
        .values_list(
            "id",
            "pipeline_id",
            "stage_id",
            "owner_id",
            "organization_id",
            "contact_id",
            "amount",
            "currency",
            "probability",
            "stage__probability",
            "expected_close_date",
            "source",
            "created_at",
            "stage_entered_at",
        )
    )
    for row in deals.iterator(chunk_size=CHUNK):
        probability = row[8] if row[8] is not None else row[9]
        yield {
            "snapshot_date": today,
            "deal_id": str(row[0]),
            "pipeline_id": str(row[1]),
            "stage_id": str(row[2]),
            "owner_id": _text(row[3]),
            "organization_id": _text(row[4]),
            "contact_id": _text(row[5]),
            "amount": row[6],
            "currency": row[7],
            "probability": probability,
            "weighted_amount": (row[6] * probability / 100).quantize(CENT),
            "expected_close_date": row[10],
            "deal_source": row[11],
            "created_date": _day(row[12]),
            "days_in_stage": (today - _day(row[13])).days,
        }


def _line_rows(lines: Iterable[tuple], document_key: str) -> Iterator[Row]:
    for row in lines:
        # A quote's date is the day it was made, an order's its order date.
        date = _day(row[4]) if isinstance(row[4], datetime.datetime) else row[4]
        yield {
            "line_id": row[0],
            document_key: str(row[1]),
            "document_number": row[2],
            "status": row[3],
            "document_date": date,
            "deal_id": _text(row[5]),
            "owner_id": _text(row[6]),
            "organization_id": _text(row[7]),
            "contact_id": _text(row[8]),
            "currency": row[9],
            "position": row[10],
            "product_id": _text(row[11]),
            "sku": row[12],
            "quantity": row[13],
            "unit_price": row[14],
            "discount_percent": row[15],
            "tax_rate": row[16],
            "net_amount": row[17],
        }


def _line_values(model: Any, document: str, date_field: str, since: datetime.datetime | None):
    lines = model.objects.order_by()
    if since is not None:
        lines = lines.filter(**{f"{document}__updated_at__gte": since})
    return lines.values_list(
        "id",
        f"{document}_id",
        f"{document}__number",
        f"{document}__status",
        f"{document}__{date_field}",
        f"{document}__deal_id",
        f"{document}__owner_id",
        f"{document}__organization_id",
        f"{document}__contact_id",
        f"{document}__currency",
        "position",
        "product_id",
        "sku",
        "quantity",
        "unit_price",
        "discount_percent",
        "tax_rate",
        "net_amount",
    ).iterator(chunk_size=CHUNK)


def quote_line_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    return _line_rows(_line_values(QuoteLine, "quote", "created_at", since), "quote_id")


def order_line_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    return _line_rows(_line_values(OrderLine, "order", "order_date", since), "order_id")


def invoice_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    invoices = Invoice.objects.order_by()
    if since is not None:
        invoices = invoices.filter(updated_at__gte=since)
    values = invoices.values_list(
        "id",
        "number",
        "source",
        "status",
        "organization_id",
        "contact_id",
        "order_id",
        "invoice_date",
        "due_date",
        "currency",
        "gross_amount",
        "amount_paid",
        "dunning_level",
        "updated_at",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "invoice_id": str(row[0]),
            "number": row[1],
            "source": row[2],
            "status": row[3],
            "organization_id": _text(row[4]),
            "contact_id": _text(row[5]),
            "order_id": _text(row[6]),
            "invoice_date": row[7],
            "due_date": row[8],
            "currency": row[9],
            "gross_amount": row[10],
            "amount_paid": row[11],
            "open_amount": row[10] - row[11],
            "dunning_level": row[12],
            "updated_at": row[13],
        }


def product_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    products = Product.objects.order_by()
    if since is not None:
        products = products.filter(updated_at__gte=since)
    values = products.values_list(
        "id", "sku", "name", "unit", "net_price", "currency", "tax_rate", "active", "updated_at"
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield dict(
            zip(
                (
                    "product_id",
                    "sku",
                    "name",
                    "unit",
                    "net_price",
                    "currency",
                    "tax_rate",
                    "active",
                    "updated_at",
                ),
                (str(row[0]), *row[1:]),
                strict=True,
            )
        )


def stage_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    stages = Stage.objects.order_by()
    if since is not None:
        stages = stages.filter(Q(updated_at__gte=since) | Q(pipeline__updated_at__gte=since))
    values = stages.values_list(
        "id",
        "pipeline_id",
        "pipeline__name",
        "pipeline__position",
        "name",
        "kind",
        "probability",
        "position",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "stage_id": str(row[0]),
            "pipeline_id": str(row[1]),
            "pipeline_name": row[2],
            "pipeline_position": row[3],
            "stage_name": row[4],
            "kind": row[5],
            "probability": row[6],
            "position": row[7],
        }


C = WarehouseColumn
PARTIES = (
    C("organization_id", "string", "dim_organization"),
    C("contact_id", "string", "dim_contact"),
)

DEAL_STAGE_CHANGE = WarehouseSpec(
    table="fact_deal_stage_change",
    rows="kontor.sales.warehouse.deal_stage_change_rows",
    key=("change_id",),
    description="One move of a deal into a stage; a deal's first row has no from_stage_id.",
    columns=(
        C("change_id", "int64"),
        C("deal_id", "string"),
        C("pipeline_id", "string", "dim_stage"),
        C("from_stage_id", "string", "dim_stage; null for the deal's first stage"),
        C("to_stage_id", "string", "dim_stage"),
        C("from_stage_name", "string", "the stage's name at the time"),
        C("to_stage_name", "string", "the stage's name at the time"),
        C("changed_at", "timestamp"),
        C("changed_date", "date", "dim_date"),
        C("changed_by_id", "string", "dim_user", user="id"),
        C("owner_id", "string", "dim_user: the deal's owner", user="id"),
        C("organization_id", "string", "dim_organization"),
        C("deal_source", "string", "the deal's lead source"),
        C("deal_amount", "decimal(16,2)", "the deal's amount as last exported"),
        C("currency", "string"),
    ),
)

DEAL_SNAPSHOT = WarehouseSpec(
    table="fact_deal_snapshot",
    rows="kontor.sales.warehouse.deal_snapshot_rows",
    key=("snapshot_date", "deal_id"),
    snapshot=True,
    description="Every open deal once per export day, as it stood at that day's first export.",
    columns=(
        C("snapshot_date", "date", "dim_date"),
        C("deal_id", "string"),
        C("pipeline_id", "string", "dim_stage"),
        C("stage_id", "string", "dim_stage"),
        C("owner_id", "string", "dim_user", user="id"),
        *PARTIES,
        C("amount", "decimal(16,2)"),
        C("currency", "string"),
        C("probability", "int32", "percent: the deal's own, else its stage's"),
        C("weighted_amount", "decimal(16,2)", "amount × probability"),
        C("expected_close_date", "date"),
        C("deal_source", "string", "the deal's lead source"),
        C("created_date", "date", "dim_date"),
        C("days_in_stage", "int32"),
    ),
)


def _line_spec(table: str, document: str, rows: str, date_text: str) -> WarehouseSpec:
    return WarehouseSpec(
        table=table,
        rows=rows,
        key=("line_id",),
        description=f"One line of a {document}, with its {document}'s number, status and customer.",
        columns=(
            C("line_id", "int64"),
            C(f"{document}_id", "string"),
            C("document_number", "string"),
            C("status", "string", f"the {document}'s status"),
            C("document_date", "date", f"dim_date: {date_text}"),
            C("deal_id", "string"),
            C("owner_id", "string", "dim_user", user="id"),
            *PARTIES,
            C("currency", "string"),
            C("position", "int32"),
            C("product_id", "string", "dim_product; null for a free-text line"),
            C("sku", "string"),
            C("quantity", "decimal(14,3)"),
            C("unit_price", "decimal(18,4)"),
            C("discount_percent", "decimal(5,2)"),
            C("tax_rate", "decimal(5,2)"),
            C("net_amount", "decimal(16,2)"),
        ),
    )


QUOTE_LINE = _line_spec(
    "fact_quote_line", "quote", "kontor.sales.warehouse.quote_line_rows", "the day it was made"
)
ORDER_LINE = _line_spec(
    "fact_order_line", "order", "kontor.sales.warehouse.order_line_rows", "the order date"
)

INVOICE = WarehouseSpec(
    table="fact_invoice",
    rows="kontor.sales.warehouse.invoice_rows",
    key=("invoice_id",),
    description="One invoice as the ERP keeps it.",
    columns=(
        C("invoice_id", "string"),
        C("number", "string"),
        C("source", "string", "kontor or the ERP that sent it"),
        C("status", "string", "open, paid or cancelled"),
        *PARTIES,
        C("order_id", "string"),
        C("invoice_date", "date", "dim_date"),
        C("due_date", "date", "dim_date"),
        C("currency", "string"),
        C("gross_amount", "decimal(16,2)"),
        C("amount_paid", "decimal(16,2)"),
        C("open_amount", "decimal(16,2)", "gross_amount − amount_paid"),
        C("dunning_level", "int32"),
        C("updated_at", "timestamp"),
    ),
)

PRODUCT = WarehouseSpec(
    table="dim_product",
    rows="kontor.sales.warehouse.product_rows",
    key=("product_id",),
    description="The product catalogue.",
    columns=(
        C("product_id", "string"),
        C("sku", "string"),
        C("name", "string"),
        C("unit", "string"),
        C("net_price", "decimal(18,4)"),
        C("currency", "string"),
        C("tax_rate", "decimal(5,2)"),
        C("active", "bool"),
        C("updated_at", "timestamp"),
    ),
)

STAGE = WarehouseSpec(
    table="dim_stage",
    rows="kontor.sales.warehouse.stage_rows",
    key=("stage_id",),
    description="Every stage of every pipeline.",
    columns=(
        C("stage_id", "string"),
        C("pipeline_id", "string"),
        C("pipeline_name", "string"),
        C("pipeline_position", "int32"),
        C("stage_name", "string"),
        C("kind", "string", "open, won or lost"),
        C("probability", "int32", "percent"),
        C("position", "int32", "the stage's place in its pipeline"),
    ),
)
