"""Sales records as a user may read them, outside a request
(``RecordType.serialize``): the ``data`` of the ``deal.*``, ``quote.*``,
``order.*``, ``invoice.*`` and ``product.*`` webhook events, rendered for
the subscription's owner with the schema, field categories and customer
visibility of the API's answer."""

from typing import Any

from kontor.access.policy import fields_for
from kontor.api.answers import render_answer
from kontor.audit.services import audit_read
from kontor.contacts.visibility import note_visible_customers
from kontor.core.offline_request import request_for
from kontor.sales import selectors
from kontor.sales.models import Deal, Invoice, Order, Product, Quote
from kontor.sales.schemas import DealOut, InvoiceOut, OrderOut, ProductOut, QuoteOut


def _answer(schema: Any, record: Any, user: Any) -> dict[str, Any] | None:
    if record is None:
        return None
    if hasattr(record, "contact_id"):
        note_visible_customers(user, [record])
    return render_answer(schema, record, request=request_for(user))


def deal_answer(record: Deal, user: Any) -> dict[str, Any] | None:
    return _answer(DealOut, selectors.deal_get(user=user, deal_id=record.pk), user)


def quote_answer(record: Quote, user: Any) -> dict[str, Any] | None:
    return _answer(QuoteOut, selectors.quote_get(user=user, quote_id=record.pk), user)


def order_answer(record: Order, user: Any) -> dict[str, Any] | None:
    return _answer(OrderOut, selectors.order_get(user=user, order_id=record.pk), user)


def invoice_answer(record: Invoice, user: Any) -> dict[str, Any] | None:
    invoice = selectors.invoice_get(user=user, invoice_id=record.pk)
    if invoice is not None and fields_for(user, "invoice").may_read("payment"):
        # Payment data leaving for the subscriber's system is a read of it.
        audit_read(actor=user, record=invoice, fields=["payment"])
    return _answer(InvoiceOut, invoice, user)


def product_answer(record: Product, user: Any) -> dict[str, Any] | None:
    return _answer(ProductOut, selectors.product_get(user=user, product_id=record.pk), user)
