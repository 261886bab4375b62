"""API of sales: pipelines, deals (with their stage history, activities and
files), products, quotes (PDF, sending, accepting), orders, invoices and a
customer's open payments."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from kontor.access import works_council
from kontor.access.policy import fields_for
from kontor.activities.links import note_visible_links
from kontor.activities.schemas import ActivityList, FileList, FileOut, activity_out, file_out
from kontor.activities.selectors import timeline, visible_activities
from kontor.api.fields import Cursor, IsoDate
from kontor.api.schemas import Schema
from kontor.api.versioning import IF_MATCH_OPENAPI, expected_version
from kontor.audit.services import audit_read
from kontor.contacts.selectors import organization_get
from kontor.contacts.visibility import note_visible_customers, note_visible_organizations
from kontor.core.db_router import replica_reads
from kontor.core.exceptions import PermissionDenied
from kontor.core.pagination import paginate
from kontor.exports.http import export_openapi, export_response
from kontor.exports.schemas import TableExportParams
from kontor.exports.services import export_records
from kontor.files import services as file_services
from kontor.files.selectors import visible_attachments
from kontor.sales import selectors, services
from kontor.sales.models import Invoice, Quote
from kontor.sales.pdf import quote_file_name, quote_pdf
from kontor.sales.schemas import (
    MAX_ID,
    DealHistory,
    DealIn,
    DealList,
    DealOut,
    DealPatch,
    InvoiceIn,
    InvoiceList,
    InvoiceOut,
    InvoicePatch,
    InvoiceStatusName,
    OpenPaymentsOut,
    OrderFields,
    OrderList,
    OrderOut,
    OrderPatch,
    OrderStatusName,
    PipelineIn,
    PipelineList,
    PipelineOut,
    PipelinePatch,
    ProductIn,
    ProductList,
    ProductOut,
    ProductPatch,
    QuoteIn,
    QuoteList,
    QuoteOut,
    QuotePatch,
    QuoteStatusName,
    SendIn,
    SendOut,
)

router = Router(tags=["sales"])
NOT_FOUND = {"detail": "Not found."}


def _etag(response: HttpResponse, record: Any) -> None:
    response["ETag"] = f'"{record.version}"'


def _input(payload: Schema, *, partial: bool) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=partial, exclude={"version"}, mode="json")


def _created(input_data: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """A POST's fields: those the client sent (null included), not the defaults."""
    return {k: v for k, v in input_data.items() if k in payload.model_fields_set}


class Paging(Schema):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


def _page(records, params: Paging, order: tuple[str, str] = selectors.ORDER):
    page = paginate(records, order=order, limit=params.limit, cursor=params.cursor)
    return page


# Pipelines ------------------------------------------------------------------------------


@router.get("/pipelines", response=PipelineList, tags=["pipelines"])
def list_pipelines(request: HttpRequest):
    """Every pipeline with its stages in their order (configuration: every
    user may read them; administrators change them)."""
    return {"items": list(selectors.pipeline_list())}


@router.post("/pipelines", response={201: PipelineOut}, tags=["pipelines"])
def create_pipeline(request: HttpRequest, payload: PipelineIn, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    pipeline = services.pipeline_create(actor=request.user, data=data)
    pipeline = selectors.pipeline_get(pipeline.pk)
    _etag(response, pipeline)
    response["Location"] = f"/api/v1/pipelines/{pipeline.pk}"
    return Status(201, pipeline)


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, 404: dict}, tags=["pipelines"])
def get_pipeline(request: HttpRequest, pipeline_id: str, response: HttpResponse):
    pipeline = selectors.pipeline_get(pipeline_id)
    if pipeline is None:
        return Status(404, NOT_FOUND)
    _etag(response, pipeline)
    return pipeline


@router.patch(
    "/pipelines/{pipeline_id}", response={200: PipelineOut, 404: dict}, tags=["pipelines"]
)
def update_pipeline(
    request: HttpRequest, pipeline_id: str, payload: PipelinePatch, response: HttpResponse
):
    pipeline = selectors.pipeline_get(pipeline_id)
    if pipeline is None:
        return Status(404, NOT_FOUND)
    services.pipeline_update(
        actor=request.user,
        pipeline=pipeline,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    pipeline = selectors.pipeline_get(pipeline.pk)
    _etag(response, pipeline)
    return pipeline


@router.delete(
    "/pipelines/{pipeline_id}",
    response={204: None, 404: dict},
    tags=["pipelines"],
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_pipeline(request: HttpRequest, pipeline_id: str):
    pipeline = selectors.pipeline_get(pipeline_id)
    if pipeline is None:
        return Status(404, NOT_FOUND)
    services.pipeline_delete(
        actor=request.user, pipeline=pipeline, expected_version=expected_version(request)
    )
    return Status(204, None)


# Deals ------------------------------------------------------------------------------------


class DealFilterParams(Schema):
    pipeline_id: UUID | None = None
    stage_id: UUID | None = None
    status: str | None = Field(None, pattern="^(open|won|lost)$")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: UUID | None = Field(None, description="Deals owned by members of this team.")
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    close_before: IsoDate | None = Field(None, description="Expected close before.")
    close_after: IsoDate | None = Field(None, description="Expected close on or after.")
    q: str = Field("", max_length=200, description="Words of the title.")


class DealListParams(Paging, DealFilterParams):
    pass


class DealExportParams(DealFilterParams, TableExportParams):
    pass


DEAL_EXPORT_OPENAPI = export_openapi("csv", "xlsx")


def _deal_answer(request: HttpRequest, response: HttpResponse, deal_id: Any):
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    _etag(response, deal)
    return deal


def _deal_filters(request: HttpRequest, params: DealFilterParams) -> selectors.DealFilters:
    """The list's filters, once works-council mode allows looking at one
    employee's or one team's deals."""
    works_council.require_employee_view(request.user, params.owner_id)
    if params.team_id is not None:
        works_council.require_group_view(request.user, selectors._team_member_ids(params.team_id))
    return selectors.DealFilters(**params.model_dump(include=set(DealFilterParams.model_fields)))


@router.get("/deals", response=DealList, tags=["deals"])
def list_deals(request: HttpRequest, params: Query[DealListParams]):
    """Deals you may see, newest first."""
    with replica_reads(request.user):
        filters = _deal_filters(request, params)
        page = _page(selectors.deal_list(user=request.user, filters=filters), params)
        note_visible_customers(request.user, page.items)
        return page


@router.get(
    "/deals/export", response={200: None}, tags=["deals"], openapi_extra=DEAL_EXPORT_OPENAPI
)
def export_deals(request: HttpRequest, params: Query[DealExportParams]):
    """The deals the list shows with the same filters, as a CSV or XLSX file;
    columns your roles may not read are left out, and a customer you may not
    see is not named. Needs the export right for deals."""
    filters = _deal_filters(request, params)
    export = export_records(
        actor=request.user,
        key="deal",
        records=selectors.deal_list(user=request.user, filters=filters),
        export_format=params.format,
        filters=params.model_dump(include=set(DealFilterParams.model_fields)),
        order=selectors.ORDER,
        delimiter=params.delimiter,
    )
    return export_response(export)


@router.post("/deals", response={201: DealOut}, tags=["deals"])
def create_deal(request: HttpRequest, payload: DealIn, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    deal = services.deal_create(actor=request.user, data=data)
    response["Location"] = f"/api/v1/deals/{deal.pk}"
    return Status(201, _deal_answer(request, response, deal.pk))


@router.get(
    "/deals/{deal_id}", response={200: DealOut, 404: dict}, url_name="deal_get", tags=["deals"]
)
def get_deal(request: HttpRequest, deal_id: str, response: HttpResponse):
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    _etag(response, deal)
    return deal


@router.patch("/deals/{deal_id}", response={200: DealOut, 404: dict}, tags=["deals"])
def update_deal(request: HttpRequest, deal_id: str, payload: DealPatch, response: HttpResponse):
    """Moving a deal to another stage is a PATCH of ``stage_id`` (a lost stage
    needs ``lost_reason``); every move is kept in its history."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    services.deal_update(
        actor=request.user,
        deal=deal,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    return _deal_answer(request, response, deal.pk)


@router.delete(
    "/deals/{deal_id}",
    response={204: None, 404: dict},
    tags=["deals"],
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_deal(request: HttpRequest, deal_id: str):
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    services.deal_delete(actor=request.user, deal=deal, expected_version=expected_version(request))
    return Status(204, None)


@router.get("/deals/{deal_id}/history", response={200: DealHistory, 404: dict}, tags=["deals"])
def deal_history(request: HttpRequest, deal_id: str):
    """The deal's stage changes, oldest first (the first: its creation)."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    return {"items": list(selectors.deal_history(deal).select_related("from_stage", "to_stage"))}


@router.get(
    "/deals/{deal_id}/activities",
    response={200: ActivityList, 404: dict},
    by_alias=True,
    tags=["deals"],
)
def deal_activities(request: HttpRequest, deal_id: str, params: Query[Paging]):
    """The activities about the deal (``deal_id``) you may see, newest first."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    activities = timeline(
        visible_activities(request.user).filter(linked_type="deal", linked_id=deal.pk)
    )
    page = paginate(activities, order=("-occurred_at", "-id"), limit=params.limit,
                    cursor=params.cursor)  # fmt: skip
    note_visible_organizations(request.user, page.items)
    note_visible_links(
        request.user, [*page.items, *(f for a in page.items for f in a.attachment_list)]
    )
    return {"items": [activity_out(request, a) for a in page.items], "next": page.next}


@router.get("/deals/{deal_id}/files", response={200: FileList, 404: dict}, tags=["deals"])
def deal_files(request: HttpRequest, deal_id: str, params: Query[Paging]):
    """Files about the deal (uploaded to it, or to its activities)."""
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    files = selectors.deal_files(visible_attachments(request.user), deal)
    page = paginate(files, order=("-created_at", "-id"), limit=params.limit, cursor=params.cursor)
    note_visible_links(request.user, page.items)
    return {"items": [file_out(request, f) for f in page.items], "next": page.next}


@router.post(
    "/deals/{deal_id}/files",
    response={201: FileOut, 404: dict, 413: dict},
    description="Multipart upload, field `file`. The file is attached to the deal's contact "
    "(or organization) and names the deal (`deal_id`).",
    tags=["deals"],
)
def upload_deal_file(request: HttpRequest, deal_id: str, file: File[UploadedFile]):
    deal = selectors.deal_get(user=request.user, deal_id=deal_id)
    if deal is None:
        return Status(404, NOT_FOUND)
    parent = selectors.deal_file_parent(request.user, deal)
    if parent is None:
        raise PermissionDenied("You may not attach files to this deal's customer.")
    try:
        attachment = file_services.attachment_create(
            actor=request.user, upload=file, linked=deal, **parent
        )
    except file_services.FileTooLarge as exc:
        detail = [
            {"loc": ["body", field], "msg": reason, "type": "value_error"}
            for field, reasons in exc.errors.items()
            for reason in reasons
        ]
        return Status(413, {"detail": detail, "max_upload_mb": settings.KONTOR_MAX_UPLOAD_MB})
    return Status(201, file_out(request, attachment))


# Products -------------------------------------------------------------------------------------


class ProductListParams(Paging):
    q: str = Field("", max_length=200, description="Words of the SKU or name.")
    active: bool | None = None


@router.get("/products", response=ProductList, tags=["products"])
def list_products(request: HttpRequest, params: Query[ProductListParams]):
    products = selectors.product_list(user=request.user, q=params.q, active=params.active)
    return _page(products, params, order=("name", "id"))


@router.post("/products", response={201: ProductOut}, tags=["products"])
def create_product(request: HttpRequest, payload: ProductIn, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    product = services.product_create(actor=request.user, data=data)
    _etag(response, product)
    response["Location"] = f"/api/v1/products/{product.pk}"
    return Status(201, product)


@router.get("/products/{product_id}", response={200: ProductOut, 404: dict}, tags=["products"])
def get_product(request: HttpRequest, product_id: str, response: HttpResponse):
    product = selectors.product_get(user=request.user, product_id=product_id)
    if product is None:
        return Status(404, NOT_FOUND)
    _etag(response, product)
    return product


@router.patch("/products/{product_id}", response={200: ProductOut, 404: dict}, tags=["products"])
def update_product(
    request: HttpRequest, product_id: str, payload: ProductPatch, response: HttpResponse
):
    product = selectors.product_get(user=request.user, product_id=product_id)
    if product is None:
        return Status(404, NOT_FOUND)
    product = services.product_update(
        actor=request.user,
        product=product,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, product)
    return product


@router.delete(
    "/products/{product_id}",
    response={204: None, 404: dict},
    tags=["products"],
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_product(request: HttpRequest, product_id: str):
    product = selectors.product_get(user=request.user, product_id=product_id)
    if product is None:
        return Status(404, NOT_FOUND)
    services.product_delete(
        actor=request.user, product=product, expected_version=expected_version(request)
    )
    return Status(204, None)


# Quotes ------------------------------------------------------------------------------------


class QuoteListParams(Paging):
    status: QuoteStatusName | None = None
    deal_id: UUID | None = None
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    q: str = Field("", max_length=200, description="Words of the number or customer.")


def _quote_answer(request: HttpRequest, response: HttpResponse, quote_id: Any) -> Quote:
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    _etag(response, quote)
    return quote


@router.get("/quotes", response=QuoteList, tags=["quotes"])
def list_quotes(request: HttpRequest, params: Query[QuoteListParams]):
    with replica_reads(request.user):
        quotes = selectors.quote_list(
            user=request.user, **params.model_dump(exclude={"limit", "cursor"})
        )
        page = _page(quotes, params)
        note_visible_customers(request.user, page.items)
        return page


@router.post("/quotes", response={201: QuoteOut}, tags=["quotes"])
def create_quote(request: HttpRequest, payload: QuoteIn, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    quote = services.quote_create(actor=request.user, data=data)
    response["Location"] = f"/api/v1/quotes/{quote.pk}"
    return Status(201, _quote_answer(request, response, quote.pk))


@router.get(
    "/quotes/{quote_id}", response={200: QuoteOut, 404: dict}, url_name="quote_get",
    tags=["quotes"],
)  # fmt: skip
def get_quote(request: HttpRequest, quote_id: str, response: HttpResponse):
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        return Status(404, NOT_FOUND)
    _etag(response, quote)
    return quote


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, 404: dict}, tags=["quotes"])
def update_quote(request: HttpRequest, quote_id: str, payload: QuotePatch, response: HttpResponse):
    """A draft changes in place. A sent quote is frozen: a change makes a new
    revision (``Q-2026-00042-2``, a draft), which is the answer (its id
    differs; the old revision's ``superseded_by_id`` names it)."""
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        return Status(404, NOT_FOUND)
    result = services.quote_update(
        actor=request.user,
        quote=quote,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    if result.pk != quote.pk:
        response["Location"] = f"/api/v1/quotes/{result.pk}"
    return _quote_answer(request, response, result.pk)


@router.get(
    "/quotes/{quote_id}/pdf",
    response={200: None, 404: dict},
    tags=["quotes"],
    openapi_extra={
        "responses": {200: {"description": "The quote as PDF", "content": {"application/pdf": {}}}}
    },
)
def get_quote_pdf(request: HttpRequest, quote_id: str):
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        return Status(404, NOT_FOUND)
    if not fields_for(request.user, "quote").may_read("amounts"):
        raise PermissionDenied("You may not read the amounts of quotes.")
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_file_name(quote)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/quotes/{quote_id}/send", response={200: SendOut, 404: dict}, tags=["quotes"])
def send_quote(request: HttpRequest, quote_id: str, payload: SendIn, response: HttpResponse):
    """Queue an email with the quote's PDF to ``to``; a draft becomes sent.
    The worker sends it through SMTP, retrying with backoff, and logs it on
    the customer's history (linked to the quote's deal) once sent:
    ``email_status`` says ``queued`` now, and ``/api/v1/emails/{email_id}``
    tells later whether it was ``sent`` or ``failed``."""
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        return Status(404, NOT_FOUND)
    queued = services.quote_send(
        actor=request.user, quote=quote, to=payload.to, message=payload.message
    )
    return {
        "quote": _quote_answer(request, response, quote.pk),
        "email_id": queued.pk,
        "email_status": queued.status,
        "message_id": queued.message_id,
        "activity_id": queued.activity_id,
    }


@router.post(
    "/quotes/{quote_id}/accept", response={200: OrderOut, 201: OrderOut, 404: dict},
    tags=["quotes"],
)  # fmt: skip
def accept_quote(request: HttpRequest, quote_id: str, response: HttpResponse):
    """The customer accepted the (sent) quote: the answer is the new order
    (201); for a quote accepted before, its order (200)."""
    quote = selectors.quote_get(user=request.user, quote_id=quote_id)
    if quote is None:
        return Status(404, NOT_FOUND)
    existed = quote.status == "accepted"
    order = services.quote_accept(
        actor=request.user, quote=quote, expected_version=expected_version(request)
    )
    order = selectors.order_get(user=request.user, order_id=order.pk) or order
    response["Location"] = f"/api/v1/orders/{order.pk}"
    _etag(response, order)
    return Status(200 if existed else 201, order)


# Orders ------------------------------------------------------------------------------------


class OrderListParams(Paging):
    status: OrderStatusName | None = None
    deal_id: UUID | None = None
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    q: str = Field("", max_length=200)


@router.get("/orders", response=OrderList, tags=["orders"])
def list_orders(request: HttpRequest, params: Query[OrderListParams]):
    with replica_reads(request.user):
        orders = selectors.order_list(
            user=request.user, **params.model_dump(exclude={"limit", "cursor"})
        )
        page = _page(orders, params)
        note_visible_customers(request.user, page.items)
        return page


@router.post("/orders", response={201: OrderOut}, tags=["orders"])
def create_order(request: HttpRequest, payload: OrderFields, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    order = services.order_create(actor=request.user, data=data)
    order = selectors.order_get(user=request.user, order_id=order.pk)
    _etag(response, order)
    response["Location"] = f"/api/v1/orders/{order.pk}"
    return Status(201, order)


@router.get(
    "/orders/{order_id}", response={200: OrderOut, 404: dict}, url_name="order_get",
    tags=["orders"],
)  # fmt: skip
def get_order(request: HttpRequest, order_id: str, response: HttpResponse):
    order = selectors.order_get(user=request.user, order_id=order_id)
    if order is None:
        return Status(404, NOT_FOUND)
    _etag(response, order)
    return order


@router.patch("/orders/{order_id}", response={200: OrderOut, 404: dict}, tags=["orders"])
def update_order(request: HttpRequest, order_id: str, payload: OrderPatch, response: HttpResponse):
    order = selectors.order_get(user=request.user, order_id=order_id)
    if order is None:
        return Status(404, NOT_FOUND)
    services.order_update(
        actor=request.user,
        order=order,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    order = selectors.order_get(user=request.user, order_id=order.pk)
    _etag(response, order)
    return order


# Invoices and open payments ------------------------------------------------------------------


class InvoiceListParams(Paging):
    status: InvoiceStatusName | None = None
    organization_id: UUID | None = None
    contact_id: UUID | None = None
    overdue: bool | None = Field(None, description="Open and past the due date (or not).")


def _note_payment_reads(request: HttpRequest, invoices: list[Invoice]) -> None:
    """Payment data shown is financial: each read goes to the audit trail."""
    if fields_for(request.user, "invoice").may_read("payment"):
        for invoice in invoices:
            audit_read(actor=request.user, record=invoice, fields=["payment"])


@router.get("/invoices", response=InvoiceList, tags=["invoices"])
def list_invoices(request: HttpRequest, params: Query[InvoiceListParams]):
    with replica_reads(request.user):
        if params.overdue is not None and not fields_for(request.user, "invoice").may_read(
            "payment"
        ):
            raise PermissionDenied("You may not read payment data.")
        invoices = selectors.invoice_list(
            user=request.user, **params.model_dump(exclude={"limit", "cursor"})
        )
        page = _page(invoices, params)
        note_visible_customers(request.user, page.items)
        _note_payment_reads(request, page.items)
        return page


@router.post("/invoices", response={201: InvoiceOut}, tags=["invoices"])
def create_invoice(request: HttpRequest, payload: InvoiceIn, response: HttpResponse):
    data = _created(_input(payload, partial=False), payload)
    invoice = services.invoice_create(actor=request.user, data=data)
    invoice = selectors.invoice_get(user=request.user, invoice_id=invoice.pk)
    _etag(response, invoice)
    response["Location"] = f"/api/v1/invoices/{invoice.pk}"
    return Status(201, invoice)


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, 404: dict}, tags=["invoices"])
def get_invoice(request: HttpRequest, invoice_id: str, response: HttpResponse):
    invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    if invoice is None:
        return Status(404, NOT_FOUND)
    _note_payment_reads(request, [invoice])
    _etag(response, invoice)
    return invoice


@router.patch("/invoices/{invoice_id}", response={200: InvoiceOut, 404: dict}, tags=["invoices"])
def update_invoice(
    request: HttpRequest, invoice_id: str, payload: InvoicePatch, response: HttpResponse
):
    invoice = selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    if invoice is None:
        return Status(404, NOT_FOUND)
    services.invoice_update(
        actor=request.user,
        invoice=invoice,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    invoice = selectors.invoice_get(user=request.user, invoice_id=invoice.pk)
    _note_payment_reads(request, [invoice])
    _etag(response, invoice)
    return invoice


class OpenPaymentsParams(Schema):
    currency: str | None = Field(None, max_length=3, description="Default: KONTOR_CURRENCY.")


@router.get(
    "/organizations/{organization_id}/open-payments",
    response={200: OpenPaymentsOut, 404: dict},
    tags=["organizations", "invoices"],
)
def organization_open_payments(
    request: HttpRequest, organization_id: str, params: Query[OpenPaymentsParams]
):
    """What the organization (and the people who work there) owes: unpaid
    and overdue totals in one currency and the unpaid invoices, oldest due
    first. Financial data: 403 for roles that may not read it."""
    organization = organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    if not fields_for(request.user, "invoice").may_read("payment"):
        raise PermissionDenied("You may not read payment data.")
    currency = (params.currency or settings.KONTOR_CURRENCY).upper()
    invoices = selectors.organization_invoices(request.user, organization).filter(currency=currency)
    totals = next(iter(selectors.open_payments(invoices)), None)
    unpaid = list(selectors.unpaid_invoices(invoices)[:200])
    note_visible_customers(request.user, unpaid)
    audit_read(actor=request.user, record=organization, fields=["open_payments"])
    _note_payment_reads(request, unpaid)
    return {
        "currency": currency,
        "open_total": str(totals.open_total) if totals else "0.00",
        "overdue_total": str(totals.overdue_total) if totals else "0.00",
        "oldest_due_date": totals.oldest_due_date if totals else None,
        "invoices": unpaid,
    }
