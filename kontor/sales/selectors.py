"""Reads of sales records. Every list, page and answer starts from the
``visible_…`` selectors, which apply the access policy (kontor.access)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kontor.access.policy import restrict
from kontor.contacts.models import Contact, Organization
from kontor.core.ids import parse_uuid
from kontor.sales.models import (
    Deal,
    DealStageChange,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Pipeline,
    Product,
    Quote,
    Stage,
    StageKind,
)

User = AbstractBaseUser | AnonymousUser

ORDER = ("-created_at", "-id")
# Won and lost deals stay on the board this long after they closed.
RECENTLY_CLOSED = datetime.timedelta(days=30)
ZERO = Decimal("0.00")


# Visibility ---------------------------------------------------------------------


def visible_deals(user: User) -> QuerySet[Deal]:
    return restrict(Deal.objects.all(), user, "deal")


def visible_quotes(user: User) -> QuerySet[Quote]:
    return restrict(Quote.objects.all(), user, "quote")


def visible_orders(user: User) -> QuerySet[Order]:
    return restrict(Order.objects.all(), user, "order")


def visible_invoices(user: User) -> QuerySet[Invoice]:
    return restrict(Invoice.objects.all(), user, "invoice")


def visible_products(user: User) -> QuerySet[Product]:
    return restrict(Product.objects.all(), user, "product")


def current(records: QuerySet) -> QuerySet:
    """Leave out archived products, orders and invoices (e.g. deleted in the
    ERP that sent them): lists, pickers and the 360° view show the rest; a
    read by id still answers an archived one."""
    return records.filter(archived_at__isnull=True)


# Pipelines ------------------------------------------------------------------------


def pipeline_list() -> QuerySet[Pipeline]:
    """Pipelines are configuration: every user may read them."""
    return Pipeline.objects.prefetch_related("stages").order_by("position", "name")


def pipeline_get(pipeline_id: Any) -> Pipeline | None:
    pk = parse_uuid(pipeline_id)
    return pipeline_list().filter(pk=pk).first() if pk else None


def default_pipeline() -> Pipeline | None:
    return pipeline_list().first()


# Deals ------------------------------------------------------------------------------


def with_deal_details(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("stage", "pipeline", "owner", "organization", "contact")


def deal_get(*, user: User, deal_id: Any) -> Deal | None:
    pk = parse_uuid(deal_id)
    if pk is None:
        return None
    return with_deal_details(visible_deals(user)).filter(pk=pk).first()


@dataclass(frozen=True)
class DealFilters:
    pipeline_id: Any = None
    stage_id: Any = None
    status: str | None = None
    owner_id: int | None = None
    team_id: Any = None
    organization_id: Any = None
    contact_id: Any = None
    close_before: datetime.date | None = None
    close_after: datetime.date | None = None
    close_month: datetime.date | None = None
    q: str = ""


def _team_member_ids(team_id: Any) -> list[int]:
    from kontor.access.models import Team

    through = Team.members.through
    return list(through.objects.filter(team_id=team_id).values_list("user_id", flat=True))


def filter_deals(deals: QuerySet[Deal], filters: DealFilters) -> QuerySet[Deal]:
    if filters.pipeline_id:
        deals = deals.filter(pipeline_id=parse_uuid(filters.pipeline_id))
    if filters.stage_id:
        deals = deals.filter(stage_id=parse_uuid(filters.stage_id))
    if filters.status:
        deals = deals.filter(status=filters.status)
    if filters.owner_id:
        deals = deals.filter(owner_id=filters.owner_id)
    if filters.team_id:
        team_pk = parse_uuid(filters.team_id)
        deals = deals.filter(owner_id__in=_team_member_ids(team_pk) if team_pk else [])
    if filters.organization_id:
        deals = deals.filter(organization_id=parse_uuid(filters.organization_id))
    if filters.contact_id:
        deals = deals.filter(contact_id=parse_uuid(filters.contact_id))
    if filters.close_before:
        deals = deals.filter(expected_close_date__lt=filters.close_before)
    if filters.close_after:
        deals = deals.filter(expected_close_date__gte=filters.close_after)
    if filters.close_month:
        first = filters.close_month.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        deals = deals.filter(expected_close_date__gte=first, expected_close_date__lt=following)
    if filters.q.strip():
        for term in filters.q.replace("\x00", "").split()[:8]:
            deals = deals.filter(title__icontains=term)
    return deals


def deal_list(*, user: User, filters: DealFilters) -> QuerySet[Deal]:
    return with_deal_details(filter_deals(visible_deals(user), filters))


def deal_history(deal: Deal) -> QuerySet[DealStageChange]:
    return deal.stage_changes.select_related("changed_by").order_by("changed_at", "id")


# The board --------------------------------------------------------------------------


def _weighted() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("amount") * Coalesce("probability", "stage__probability") / Value(100),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )


@dataclass
class Column:
    stage: Stage
    count: int = 0
    # Per currency: {"EUR": Decimal}, so that no sum mixes currencies.
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)
    deals: list[Deal] = field(default_factory=list)
    next: str | None = None


def board_deals(
    *, user: User, pipeline: Pipeline, filters: DealFilters, now: datetime.datetime | None = None
) -> QuerySet[Deal]:
    """The deals the board shows: open ones, and won or lost ones that closed
    in the last 30 days."""
    since = (now or timezone.now()) - RECENTLY_CLOSED
    deals = filter_deals(visible_deals(user).filter(pipeline=pipeline), filters)
    return deals.filter(Q(status=StageKind.OPEN) | Q(closed_at__gte=since))


def board_columns(
    *, user: User, pipeline: Pipeline, filters: DealFilters, page_size: int
) -> list[Column]:
    """A column per stage with its count and sums (one query for all
    columns) and its first page of cards (one query per column)."""
    from kontor.core.pagination import paginate

    deals = board_deals(user=user, pipeline=pipeline, filters=filters)
    columns = {stage.pk: Column(stage=stage) for stage in pipeline.stages.all()}
    sums = (
        deals.order_by()
        .values("stage_id", "currency")
        .annotate(count=Count("id"), total=Sum("amount"), weighted=Sum(_weighted()))
    )
    for row in sums:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["count"]
        column.totals[row["currency"]] = _cents(row["total"])
        column.weighted[row["currency"]] = _cents(row["weighted"])
    for column in columns.values():
        page = paginate(
            with_deal_details(deals.filter(stage=column.stage)),
            order=ORDER,
            limit=page_size,
            cursor=None,
        )
        column.deals, column.next = page.items, page.next
    return list(columns.values())


def column_page(
    *, user: User, pipeline: Pipeline, stage: Stage, filters: DealFilters, limit: int, cursor: str
):
    from kontor.core.pagination import paginate

    deals = board_deals(user=user, pipeline=pipeline, filters=filters).filter(stage=stage)
    return paginate(with_deal_details(deals), order=ORDER, limit=limit, cursor=cursor)


def _cents(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(value).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ForecastRow:
    month: datetime.date | None
    currency: str
    count: int
    total: Decimal
    weighted: Decimal


def forecast(
    *, user: User, pipeline: Pipeline, owner_ids: Iterable[int] | None = None
) -> list[ForecastRow]:
    """Open deals' weighted amounts by expected close month (per currency)."""
    deals = visible_deals(user).filter(pipeline=pipeline, status=StageKind.OPEN)
    if owner_ids is not None:
        deals = deals.filter(owner_id__in=list(owner_ids))
    rows = (
        deals.order_by()
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month", "currency")
        .annotate(count=Count("id"), total=Sum("amount"), weighted=Sum(_weighted()))
        .order_by(F("month").asc(nulls_last=True), "currency")
    )
    return [
        ForecastRow(
            month=row["month"],
            currency=row["currency"],
            count=row["count"],
            total=_cents(row["total"]),
            weighted=_cents(row["weighted"]),
        )
        for row in rows
    ]


# Products ---------------------------------------------------------------------------


def product_get(*, user: User, product_id: Any) -> Product | None:
    pk = parse_uuid(product_id)
    return visible_products(user).filter(pk=pk).first() if pk else None


def product_list(*, user: User, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    products = current(visible_products(user))
    if active is not None:
        products = products.filter(active=active)
    for term in q.replace("\x00", "").split()[:8]:
        products = products.filter(Q(sku__icontains=term) | Q(name__icontains=term))
    return products


# Quotes, orders, invoices ------------------------------------------------------------


def _customer_filter(
    records: QuerySet, organization_id: Any = None, contact_id: Any = None
) -> QuerySet:
    if organization_id:
        records = records.filter(organization_id=parse_uuid(organization_id))
    if contact_id:
        records = records.filter(contact_id=parse_uuid(contact_id))
    return records


def with_lines(records: QuerySet) -> QuerySet:
    return records.select_related("organization", "contact", "owner").prefetch_related("lines")


def quote_get(*, user: User, quote_id: Any) -> Quote | None:
    pk = parse_uuid(quote_id)
    if pk is None:
        return None
    return (
        with_lines(visible_quotes(user))
        .select_related("deal", "superseded_by", "order")
        .filter(pk=pk)
        .first()
    )


def quote_list(
    *,
    user: User,
    status: str | None = None,
    deal_id: Any = None,
    organization_id: Any = None,
    contact_id: Any = None,
    q: str = "",
) -> QuerySet[Quote]:
    quotes = _customer_filter(visible_quotes(user), organization_id, contact_id)
    if status:
        quotes = quotes.filter(status=status)
    if deal_id:
        quotes = quotes.filter(deal_id=parse_uuid(deal_id))
    for term in q.replace("\x00", "").split()[:8]:
        quotes = quotes.filter(Q(number__icontains=term) | Q(customer_name__icontains=term))
    return with_lines(quotes).select_related("order")


def order_get(*, user: User, order_id: Any) -> Order | None:
    pk = parse_uuid(order_id)
    if pk is None:
        return None
    return with_lines(visible_orders(user)).select_related("quote", "deal").filter(pk=pk).first()


def order_list(
    *,
    user: User,
    status: str | None = None,
    organization_id: Any = None,
    contact_id: Any = None,
    deal_id: Any = None,
    q: str = "",
) -> QuerySet[Order]:
    orders = _customer_filter(current(visible_orders(user)), organization_id, contact_id)
    if status:
        orders = orders.filter(status=status)
    if deal_id:
        orders = orders.filter(deal_id=parse_uuid(deal_id))
    for term in q.replace("\x00", "").split()[:8]:
        orders = orders.filter(Q(number__icontains=term) | Q(customer_name__icontains=term))
    return with_lines(orders)


def invoice_get(*, user: User, invoice_id: Any) -> Invoice | None:
    pk = parse_uuid(invoice_id)
    if pk is None:
        return None
    return visible_invoices(user).select_related("organization", "contact").filter(pk=pk).first()


def invoice_list(
    *,
    user: User,
    status: str | None = None,
    organization_id: Any = None,
    contact_id: Any = None,
    overdue: bool | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Invoice]:
    invoices = _customer_filter(current(visible_invoices(user)), organization_id, contact_id)
    if status:
        invoices = invoices.filter(status=status)
    if overdue is not None:
        late = Q(status=InvoiceStatus.OPEN, due_date__lt=today or timezone.localdate())
        invoices = invoices.filter(late) if overdue else invoices.exclude(late)
    return invoices.select_related("organization", "contact")


@dataclass(frozen=True)
class OpenPayments:
    currency: str
    open_total: Decimal
    overdue_total: Decimal
    oldest_due_date: datetime.date | None
    count: int


def _unpaid(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.filter(status=InvoiceStatus.OPEN).filter(amount_paid__lt=F("gross_amount"))


def open_payments(
    invoices: QuerySet[Invoice], *, today: datetime.date | None = None
) -> list[OpenPayments]:
    """Unpaid and overdue totals per currency of ``invoices`` (one query)."""
    today = today or timezone.localdate()
    open_amount = ExpressionWrapper(
        F("gross_amount") - F("amount_paid"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    rows = (
        _unpaid(invoices)
        .order_by()
        .values("currency")
        .annotate(
            open_total=Sum(open_amount),
            overdue_total=Sum(open_amount, filter=Q(due_date__lt=today)),
            oldest=Min("due_date"),
            count=Count("id"),
        )
        .order_by("currency")
    )
    return [
        OpenPayments(
            currency=row["currency"],
            open_total=_cents(row["open_total"]),
            overdue_total=_cents(row["overdue_total"]),
            oldest_due_date=row["oldest"],
            count=row["count"],
        )
        for row in rows
    ]


def unpaid_invoices(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return _unpaid(invoices).order_by("due_date", "id")


def customer_records(
    records: QuerySet,
    *,
    organization: Organization | None = None,
    contact: Contact | None = None,
    member_ids: Iterable[Any] = (),
) -> QuerySet:
    """Records of a contact, or of an organization and the people who work there."""
    if contact is not None:
        return records.filter(contact=contact)
    return records.filter(Q(organization=organization) | Q(contact_id__in=list(member_ids)))


OPEN_ORDER_STATUSES = (OrderStatus.OPEN, OrderStatus.DELIVERED)


def organization_invoices(user: User, organization: Organization) -> QuerySet[Invoice]:
    """The organization's invoices and those of the people who work there."""
    from kontor.contacts.selectors import visible_contacts

    member_ids = list(
        visible_contacts(user).filter(organization=organization).values_list("pk", flat=True)
    )
    return customer_records(
        current(visible_invoices(user)), organization=organization, member_ids=member_ids
    )


def deal_files(attachments: QuerySet, deal: Deal) -> QuerySet:
    """Files about the deal: uploaded to it, or to one of its activities."""
    from kontor.activities.models import Activity

    activity_ids = Activity.objects.filter(linked_type="deal", linked_id=deal.pk).values("pk")
    return attachments.filter(
        Q(linked_type="deal", linked_id=deal.pk) | Q(activity_id__in=activity_ids)
    ).order_by(*ORDER)


def deal_file_parent(user: User, deal: Deal) -> dict[str, Any] | None:
    """Where a file uploaded to a deal is attached: its contact, else its
    organization (whichever the user may see)."""
    from kontor.contacts.selectors import visible_contacts, visible_organizations

    if deal.contact_id and visible_contacts(user).filter(pk=deal.contact_id).exists():
        return {"contact": deal.contact}
    if deal.organization_id and (
        visible_organizations(user).filter(pk=deal.organization_id).exists()
    ):
        return {"organization": deal.organization}
    return None
