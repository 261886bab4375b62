"""The sales sections of the 360° view (kontor.activities.sections): a
customer's open deals, latest quotes, open orders and open payments, each
in one query whatever the size of the customer's history."""

import uuid
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import fields_for
from kontor.activities.sections import OverviewSection, register_overview_section
from kontor.audit.services import audit_read
from kontor.contacts.models import Contact, Organization
from kontor.sales import selectors
from kontor.sales.extras import extras_json, note_deal_extras
from kontor.sales.models import StageKind

DEALS = 10
QUOTES = 5
ORDERS = 10


def _deals(user: Any, **customer: Any) -> list:
    deals = selectors.customer_records(selectors.visible_deals(user), **customer)
    found = list(
        deals.filter(status=StageKind.OPEN)
        .select_related("stage")
        .order_by(*selectors.ORDER)[:DEALS]
    )
    note_deal_extras(user, found)
    return found


def _quotes(user: Any, **customer: Any) -> list:
    quotes = selectors.customer_records(selectors.visible_quotes(user), **customer)
    return list(quotes.order_by(*selectors.ORDER)[:QUOTES])


def _orders(user: Any, **customer: Any) -> list:
    orders = selectors.customer_records(
        selectors.current(selectors.visible_orders(user)), **customer
    )
    return list(
        orders.filter(status__in=selectors.OPEN_ORDER_STATUSES).order_by(*selectors.ORDER)[:ORDERS]
    )


def may_read_payments(user: Any) -> bool:
    return fields_for(user, "invoice").may_read("payment")


def _open_payments(user: Any, record: Any, **customer: Any) -> list | None:
    """None for a user who may not read payment data (the section is left
    out); reading it is recorded in the audit trail, as for every financial
    value shown."""
    if not may_read_payments(user):
        return None
    invoices = selectors.customer_records(
        selectors.current(selectors.visible_invoices(user)), **customer
    )
    payments = selectors.open_payments(invoices)
    if payments:
        audit_read(actor=user, record=record, fields=["open_payments"])
    return payments


def _by_contact(read):
    def section(user: Any, contact: Contact) -> Any:
        return read(user, contact=contact)

    return section


def _by_organization(read):
    def section(user: Any, organization: Organization, member_ids: list[uuid.UUID]) -> Any:
        return read(user, organization=organization, member_ids=member_ids)

    return section


def _money(value: Any) -> str:
    return str(value)


def deals_json(request: HttpRequest, deals: list) -> list[dict[str, Any]]:
    amounts = fields_for(request.user, "deal").may_read("amount")
    return [
        {
            "id": str(deal.pk),
            "title": deal.title,
            "pipeline_id": str(deal.pipeline_id),
            "stage_id": str(deal.stage_id),
            "stage": str(deal.stage),
            "status": deal.status,
            **({"amount": _money(deal.amount)} if amounts else {}),
            "currency": deal.currency,
            "expected_close_date": deal.expected_close_date,
            "url": request.build_absolute_uri(reverse("api:deal_get", args=[deal.pk])),
            **extras_json(deal),
        }
        for deal in deals
    ]


def _documents_json(request: HttpRequest, records: list, key: str, url_name: str) -> list[dict]:
    amounts = fields_for(request.user, key).may_read("amounts")
    return [
        {
            "id": str(record.pk),
            "number": record.number,
            "status": record.status,
            "currency": record.currency,
            **(
                {"net_total": _money(record.net_total), "gross_total": _money(record.gross_total)}
                if amounts
                else {}
            ),
            "created_at": record.created_at,
            "url": request.build_absolute_uri(reverse(url_name, args=[record.pk])),
        }
        for record in records
    ]


def quotes_json(request: HttpRequest, quotes: list) -> list[dict[str, Any]]:
    rows = _documents_json(request, quotes, "quote", "api:quote_get")
    for row, quote in zip(rows, quotes, strict=True):
        row["valid_until"] = quote.valid_until
    return rows


def orders_json(request: HttpRequest, orders: list) -> list[dict[str, Any]]:
    rows = _documents_json(request, orders, "order", "api:order_get")
    for row, order in zip(rows, orders, strict=True):
        row["order_date"] = order.order_date
    return rows


def payments_json(request: HttpRequest, payments: list | None) -> list[dict[str, Any]]:
    return [
        {
            "currency": p.currency,
            "open_total": _money(p.open_total),
            "overdue_total": _money(p.overdue_total),
            "oldest_due_date": p.oldest_due_date,
            "invoices": p.count,
        }
        for p in payments or []
    ]


def register_overview_sections() -> None:
    register_overview_section(
        OverviewSection(
            key="deals",
            label=_("Deals"),
            for_contact=_by_contact(_deals),
            for_organization=_by_organization(_deals),
            as_json=deals_json,
            template="sales/_overview_deals.html",
            position=10,
        )
    )
    register_overview_section(
        OverviewSection(
            key="quotes",
            label=_("Quotes"),
            for_contact=_by_contact(_quotes),
            for_organization=_by_organization(_quotes),
            as_json=quotes_json,
            template="sales/_overview_quotes.html",
            position=20,
        )
    )
    register_overview_section(
        OverviewSection(
            key="orders",
            label=_("Orders"),
            for_contact=_by_contact(_orders),
            for_organization=_by_organization(_orders),
            as_json=orders_json,
            template="sales/_overview_orders.html",
            position=30,
        )
    )
    register_overview_section(
        OverviewSection(
            key="open_payments",
            label=_("Open payments"),
            for_contact=lambda user, contact: _open_payments(user, contact, contact=contact),
            for_organization=lambda user, organization, member_ids: _open_payments(
                user, organization, organization=organization, member_ids=member_ids
            ),
            as_json=payments_json,
            template="sales/_overview_payments.html",
            # First: what the customer owes is what a rep needs before a call.
            position=5,
        )
    )
