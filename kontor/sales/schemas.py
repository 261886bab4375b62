"""API schemas of pipelines, deals, products, quotes, orders and invoices.
Amounts are decimals written as text ("1234.50"), never floats."""

import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from kontor.access.schemas import HIDDEN_FIELD_NOTE, FieldFilteredOut, request_user
from kontor.api.fields import IsoDate
from kontor.api.schemas import Schema, StrictSchema
from kontor.contacts.visibility import shown_contact_id, shown_organization_id
from kontor.sales.lines import document_totals
from kontor.sales.models import (
    Deal,
    InvoiceStatus,
    OrderStatus,
    QuoteStatus,
    StageKind,
)

MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
KindName = Literal[tuple(StageKind.values)]  # type: ignore[valid-type]
QuoteStatusName = Literal[tuple(QuoteStatus.values)]  # type: ignore[valid-type]
OrderStatusName = Literal[tuple(OrderStatus.values)]  # type: ignore[valid-type]
InvoiceStatusName = Literal[tuple(InvoiceStatus.values)]  # type: ignore[valid-type]
# A decimal as text ("12.50") or a whole number; floats are refused (0.1 is
# no exact amount).
Decimalish = str | int
DECIMAL_NOTE = 'A decimal number as text, e.g. "1234.50".'
VERSION_FIELD = Field(
    None, ge=0, le=MAX_VERSION, description="The version you read; 409 if it is no longer current."
)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# Pipelines ---------------------------------------------------------------------------


class StageIn(StrictSchema):
    id: UUID | None = Field(None, description="An existing stage to keep; without it, a new one.")
    name: str = Field(max_length=120)
    probability: int = Field(0, ge=0, le=100)
    kind: KindName = "open"


class StageOut(Schema):
    id: UUID
    name: str
    probability: int
    kind: str
    position: int

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class PipelineIn(StrictSchema):
    name: str = Field(max_length=120)
    position: int | None = Field(None, ge=0, le=1000)
    stages: list[StageIn] = Field(description="In their order on the board.")


class PipelinePatch(StrictSchema):
    name: str | None = Field(None, max_length=120)
    position: int | None = Field(None, ge=0, le=1000)
    stages: list[StageIn] | None = Field(
        None,
        description="Replaces the stages: an id keeps a stage, a stage without id is new, "
        "a stage left out is removed (refused while deals are in it).",
    )
    version: int | None = VERSION_FIELD


class PipelineOut(Schema):
    id: UUID
    name: str
    position: int
    stages: list[StageOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_stages(obj) -> list:
        return list(obj.stages.all())


class PipelineList(Schema):
    items: list[PipelineOut]


# Deals --------------------------------------------------------------------------------


class DealFields(StrictSchema):
    title: str | None = Field(None, max_length=255)
    pipeline_id: UUID | None = Field(None, description="Default: the first pipeline.")
    stage_id: UUID | None = Field(None, description="Default: the pipeline's first open stage.")
    organization_id: UUID | None = None
    contact_id: UUID | None = Field(
        None, description="With a contact alone, its organization is taken too."
    )
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: you.")
    amount: Decimalish | None = Field(None, description=DECIMAL_NOTE + " Two decimal places.")
    currency: str | None = Field(None, max_length=3, description="ISO 4217; default EUR.")
    probability: int | None = Field(
        None, ge=0, le=100, description="Default (and null): the stage's."
    )
    expected_close_date: IsoDate | None = None
    source: str | None = Field(None, max_length=120)
    next_step: str | None = Field(None, max_length=255)
    lost_reason: str | None = Field(None, max_length=500, description="Required in a lost stage.")
    custom: dict[str, Any] | None = None


class DealIn(DealFields):
    title: str = Field(max_length=255)


class DealPatch(DealFields):
    version: int | None = VERSION_FIELD


class DealOut(FieldFilteredOut):
    access_object_type: ClassVar[str] = "deal"

    id: UUID
    title: str
    pipeline_id: UUID
    stage_id: UUID
    stage_name: str
    status: str = Field(description="open, won or lost: the kind of the deal's stage.")
    amount: str = Field("0.00", description=HIDDEN_FIELD_NOTE)
    weighted_amount: str = Field("0.00", description="amount × probability. " + HIDDEN_FIELD_NOTE)
    currency: str
    probability: int = Field(description="The deal's own, else its stage's.")
    expected_close_date: datetime.date | None
    organization_id: UUID | None = Field(description="Null also when it is not visible to you.")
    contact_id: UUID | None = Field(description="Null also when it is not visible to you.")
    owner_id: int | None
    source: str = Field("", description=HIDDEN_FIELD_NOTE)
    next_step: str = Field("", description=HIDDEN_FIELD_NOTE)
    lost_reason: str = Field("", description=HIDDEN_FIELD_NOTE)
    stage_entered_at: datetime.datetime
    closed_at: datetime.datetime | None
    custom: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_stage_name(obj: Deal) -> str:
        return str(obj.stage)

    @staticmethod
    def resolve_amount(obj: Deal) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_weighted_amount(obj: Deal) -> str:
        from kontor.sales.money import to_cents

        return str(to_cents(obj.amount * obj.effective_probability / 100))

    @staticmethod
    def resolve_probability(obj: Deal) -> int:
        return obj.effective_probability

    @staticmethod
    def resolve_organization_id(obj: Deal, context: Any) -> UUID | None:
        return shown_organization_id(request_user(context), obj)

    @staticmethod
    def resolve_contact_id(obj: Deal, context: Any) -> UUID | None:
        return shown_contact_id(request_user(context), obj)


class DealList(Schema):
    items: list[DealOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class StageChangeOut(Schema):
    from_stage_id: UUID | None
    from_stage: str
    to_stage_id: UUID | None
    to_stage: str
    changed_at: datetime.datetime
    changed_by_id: int | None

    @staticmethod
    def resolve_from_stage(obj) -> str:
        return str(obj.from_stage) if obj.from_stage_id else obj.from_name

    @staticmethod
    def resolve_to_stage(obj) -> str:
        return str(obj.to_stage) if obj.to_stage_id else obj.to_name


class DealHistory(Schema):
    items: list[StageChangeOut]


# Products -------------------------------------------------------------------------------


class ProductFields(StrictSchema):
    sku: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)
    description: str | None = None
    unit: str | None = Field(None, max_length=32, description='e.g. "h", "pcs", "licence"')
    net_price: Decimalish | None = Field(None, description=DECIMAL_NOTE + " Up to 4 places.")
    currency: str | None = Field(None, max_length=3, description="ISO 4217; default EUR.")
    tax_rate: Decimalish | None = Field(None, description="Percent, 0 to 100, e.g. 19, 7, 0.")
    active: bool | None = None
    source: str | None = Field(None, max_length=64, description='"kontor" or the ERP\'s name.')


class ProductIn(ProductFields):
    sku: str = Field(max_length=64)
    name: str = Field(max_length=255)
    net_price: Decimalish = Field(description=DECIMAL_NOTE)
    tax_rate: Decimalish


class ProductPatch(ProductFields):
    version: int | None = VERSION_FIELD


class ProductOut(FieldFilteredOut):
    access_object_type: ClassVar[str] = "product"

    id: UUID
    sku: str
    name: str
    description: str
    unit: str
    net_price: str
    currency: str
    tax_rate: str
    active: bool
    source: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int
    archived_at: datetime.datetime | None = Field(
        None, description="Archived records are left out of lists and search."
    )

    @staticmethod
    def resolve_net_price(obj) -> str:
        return str(obj.net_price)

    @staticmethod
    def resolve_tax_rate(obj) -> str:
        return str(obj.tax_rate)


class ProductList(Schema):
    items: list[ProductOut]
    next: str | None


# Quotes and orders -----------------------------------------------------------------------


class LineIn(StrictSchema):
    product_id: UUID | None = Field(
        None,
        description="A product: its name, unit, tax rate and the price valid for the "
        "customer are the defaults of the line's fields.",
    )
    description: str | None = None
    quantity: Decimalish = Field(description=DECIMAL_NOTE + " Up to 3 places, more than 0.")
    unit: str | None = Field(None, max_length=32)
    unit_price: Decimalish | None = Field(None, description=DECIMAL_NOTE + " Up to 4 places.")
    discount_percent: Decimalish | None = Field(None, description="0 to 100.")
    tax_rate: Decimalish | None = Field(None, description="Percent, 0 to 100.")


class LineOut(Schema):
    position: int
    product_id: UUID | None
    sku: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount_percent: str
    tax_rate: str
    net_amount: str = Field(description="quantity × unit price less discount, half-up to cents.")

    @staticmethod
    def resolve_quantity(obj) -> str:
        return str(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj) -> str:
        return str(obj.unit_price)

    @staticmethod
    def resolve_discount_percent(obj) -> str:
        return str(obj.discount_percent)

    @staticmethod
    def resolve_tax_rate(obj) -> str:
        return str(obj.tax_rate)

    @staticmethod
    def resolve_net_amount(obj) -> str:
        return str(obj.net_amount)


class TaxOut(Schema):
    rate: str
    amount: str


class TotalsOut(Schema):
    net: str
    tax: list[TaxOut] = Field(description="Per tax rate: the rate and the tax on its lines.")
    gross: str


def totals_out(document: Any) -> dict[str, Any]:
    result = document_totals(document)
    return {
        "net": str(result.net),
        "tax": [{"rate": str(t.rate), "amount": str(t.amount)} for t in result.tax],
        "gross": str(result.gross),
    }


class DocumentOut(FieldFilteredOut):
    id: UUID
    number: str
    organization_id: UUID | None = Field(description="Null also when it is not visible to you.")
    contact_id: UUID | None = Field(description="Null also when it is not visible to you.")
    customer_name: str = Field(description="The customer's name when the document was made.")
    currency: str
    status: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_organization_id(obj, context: Any) -> UUID | None:
        return shown_organization_id(request_user(context), obj)

    @staticmethod
    def resolve_contact_id(obj, context: Any) -> UUID | None:
        return shown_contact_id(request_user(context), obj)


class LinedOut(DocumentOut):
    deal_id: UUID | None
    owner_id: int | None
    lines: list[LineOut] = Field(default_factory=list, description=HIDDEN_FIELD_NOTE)
    totals: TotalsOut | None = Field(None, description=HIDDEN_FIELD_NOTE)

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_totals(obj) -> dict[str, Any]:
        return totals_out(obj)


class QuoteOut(LinedOut):
    access_object_type: ClassVar[str] = "quote"

    revision: int
    customer_address: str = Field("", description=HIDDEN_FIELD_NOTE)
    valid_until: datetime.date
    terms: str
    introduction: str
    sent_at: datetime.datetime | None
    email_id: UUID | None = Field(
        None,
        description="The email that last sent it: /api/v1/emails/{id} tells whether it "
        "was delivered (sent) or failed.",
    )
    decided_at: datetime.datetime | None
    superseded_by_id: UUID | None = Field(description="The revision that replaced this one.")
    order_id: UUID | None = Field(description="The order made when it was accepted.")

    @staticmethod
    def resolve_order_id(obj) -> UUID | None:
        order = getattr(obj, "order", None) if obj.status == QuoteStatus.ACCEPTED else None
        return order.pk if order else None


class QuoteFields(StrictSchema):
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    deal_id: UUID | None = Field(None, description="Default customer and currency: the deal's.")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    currency: str | None = Field(None, max_length=3)
    valid_until: IsoDate | None = Field(None, description="Default: in 30 days.")
    terms: str | None = None
    introduction: str | None = None
    customer_address: str | None = Field(None, description="The address printed on the quote.")
    lines: list[LineIn] | None = None


class QuoteIn(QuoteFields):
    pass


class QuotePatch(QuoteFields):
    status: QuoteStatusName | None = Field(
        None, description="On its own: sent, declined, accepted (makes the order)."
    )
    version: int | None = VERSION_FIELD


class QuoteList(Schema):
    items: list[QuoteOut]
    next: str | None


class SendIn(StrictSchema):
    to: list[str] = Field(max_length=50, description="Email addresses.")
    message: str = Field("", description="The text of the email; the PDF is attached.")


class OrderOut(LinedOut):
    access_object_type: ClassVar[str] = "order"

    source: str
    archived_at: datetime.datetime | None = Field(
        None, description="Archived records are left out of lists and search."
    )
    order_date: datetime.date
    quote_id: UUID | None


class OrderFields(StrictSchema):
    number: str | None = Field(
        None, max_length=64, description="Default (source kontor): the next order number."
    )
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    deal_id: UUID | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    currency: str | None = Field(None, max_length=3)
    order_date: IsoDate | None = None
    status: OrderStatusName | None = None
    source: str | None = Field(None, max_length=64, description='"kontor" or the ERP\'s name.')
    lines: list[LineIn] | None = None


class OrderPatch(OrderFields):
    version: int | None = VERSION_FIELD


class OrderList(Schema):
    items: list[OrderOut]
    next: str | None


class SendOut(Schema):
    quote: QuoteOut
    email_id: UUID = Field(description="The queued email; /api/v1/emails/{id} tells how it went.")
    email_status: str = Field(
        description="queued (the worker sends it), sent, written (no SMTP configured) or failed"
    )
    message_id: str = Field(description="The email's Message-ID; replies thread back by it.")
    activity_id: UUID | None = Field(
        description="The email logged on the customer's history, once the worker sent it."
    )


# Invoices ------------------------------------------------------------------------------------


class InvoiceOut(DocumentOut):
    access_object_type: ClassVar[str] = "invoice"

    source: str
    archived_at: datetime.datetime | None = Field(
        None, description="Archived records are left out of lists and search."
    )
    order_id: UUID | None
    invoice_date: datetime.date
    due_date: datetime.date
    gross_amount: str = Field("0.00", description=HIDDEN_FIELD_NOTE)
    amount_paid: str = Field("0.00", description=HIDDEN_FIELD_NOTE)
    open_amount: str = Field("0.00", description=HIDDEN_FIELD_NOTE)
    dunning_level: int = Field(0, description=HIDDEN_FIELD_NOTE)
    status: str = Field("open", description=HIDDEN_FIELD_NOTE)
    overdue: bool = Field(False, description="Open and past its due date. " + HIDDEN_FIELD_NOTE)

    @staticmethod
    def resolve_gross_amount(obj) -> str:
        return str(obj.gross_amount)

    @staticmethod
    def resolve_amount_paid(obj) -> str:
        return str(obj.amount_paid)

    @staticmethod
    def resolve_open_amount(obj) -> str:
        return str(obj.open_amount)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from django.utils import timezone

        return bool(obj.open_amount) and obj.due_date < timezone.localdate()


class InvoiceFields(StrictSchema):
    number: str | None = Field(None, max_length=64)
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    order_id: UUID | None = None
    currency: str | None = Field(None, max_length=3)
    invoice_date: IsoDate | None = Field(None, description="Default: today.")
    due_date: IsoDate | None = Field(None, description="Default: 14 days after the date.")
    gross_amount: Decimalish | None = Field(None, description=DECIMAL_NOTE)
    amount_paid: Decimalish | None = Field(None, description=DECIMAL_NOTE)
    dunning_level: int | None = Field(None, ge=0, le=10)
    status: InvoiceStatusName | None = None
    source: str | None = Field(None, max_length=64, description='"kontor" or the ERP\'s name.')


class InvoiceIn(InvoiceFields):
    number: str = Field(max_length=64)
    gross_amount: Decimalish = Field(description=DECIMAL_NOTE)


class InvoicePatch(InvoiceFields):
    version: int | None = VERSION_FIELD


class InvoiceList(Schema):
    items: list[InvoiceOut]
    next: str | None


class OpenPaymentsOut(Schema):
    currency: str
    open_total: str
    overdue_total: str
    oldest_due_date: datetime.date | None
    invoices: list[InvoiceOut] = Field(description="The unpaid invoices, oldest due first.")
