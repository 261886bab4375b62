"""Many invoices at once (the ERP sync's new invoices): each row is checked
as ``invoice_create`` checks one, by the same input code, but the
customers, orders and numbers the rows name are read for all rows in one
query each, and the valid invoices, their audit entries and their
``invoice.created`` events are written in a few INSERTs."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from kontor.access.policy import require_create
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_entries_together
from kontor.contacts.input import unknown_fields
from kontor.contacts.selectors import visible_contacts, visible_organizations
from kontor.core.exceptions import ServiceError
from kontor.events.outbox import events_together
from kontor.sales import selectors
from kontor.sales.models import KONTOR_SOURCE, Invoice
from kontor.sales.services import (
    _PAYMENT_FIELDS,
    INVOICE_FIELDS,
    _audit,
    _check_create,
    _check_document_fields,
    _customer_name,
    _document_parents,
    _document_snapshot,
    _invoice_input,
)
from kontor.sales.validation import records_read_before

User = Any


def invoices_create_many(
    *, actor: User, rows: Sequence[Mapping[str, Any]]
) -> list[Invoice | ServiceError]:
    """``invoice_create`` for many rows: per row the invoice or the error
    that refused it (valid rows are written even when others fail)."""
    taken = _numbers_taken(rows)
    outcomes: list[Invoice | ServiceError] = []
    with records_read_before(_related_records(actor, rows)):
        for data in rows:
            try:
                outcomes.append(_prepare_invoice(actor, data, taken))
            except ServiceError as exc:
                outcomes.append(exc)
    invoices = [outcome for outcome in outcomes if isinstance(outcome, Invoice)]
    if invoices:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices, batch_size=1000)
            with audit_entries_together(), events_together():
                for invoice in invoices:
                    _audit(
                        actor, AuditAction.CREATE, invoice, {}, _document_snapshot(invoice),
                        financial=_PAYMENT_FIELDS,
                    )  # fmt: skip
    return outcomes


def _prepare_invoice(actor: User, data: Mapping[str, Any], taken: set[tuple[str, str]]) -> Invoice:
    """A new invoice checked as ``invoice_create`` checks it, not saved yet."""
    unknown_fields(data, INVOICE_FIELDS)
    _check_create(actor, "invoice", {})
    _check_document_fields(actor, "invoice", data)
    inp = _invoice_input(actor, data, None)
    key = (inp.values.get("source", KONTOR_SOURCE), inp.values.get("number") or "")
    if key[1] and key in taken:
        inp.error("number", "is taken by another invoice")
    inp.raise_if_invalid()
    parents = _document_parents(inp, None)
    require_create(actor, "invoice", owner_ids=[p.owner_id for p in parents], parents=parents)
    taken.add(key)
    values = {"currency": settings.KONTOR_CURRENCY, **inp.values}
    return Invoice(customer_name=_customer_name(inp, None), **values)


def _texts(rows: Sequence[Mapping[str, Any]], field: str) -> set[str]:
    return {
        row[field] for row in rows if isinstance(row, Mapping) and isinstance(row.get(field), str)
    }


def _numbers_taken(rows: Sequence[Mapping[str, Any]]) -> set[tuple[str, str]]:
    taken: set[tuple[str, str]] = set()
    sources = {row.get("source") or KONTOR_SOURCE for row in rows if isinstance(row, Mapping)}
    for source in sources:
        numbers = {
            number.strip()
            for number in _texts([r for r in rows if (r.get("source") or KONTOR_SOURCE) == source],
                                 "number")
        }  # fmt: skip
        found = Invoice.objects.filter(source=source, number__in=numbers)
        taken |= {(source, number) for number in found.values_list("number", flat=True)}
    return taken


def _related_records(actor: User, rows: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """The organizations, contacts and orders the rows name, as the actor
    sees them, by id: one query each."""
    wanted = {
        "organization_id": visible_organizations(actor),
        "contact_id": visible_contacts(actor).select_related("organization"),
        "order_id": selectors.visible_orders(actor),
    }
    read: dict[str, dict] = {}
    for field, visible in wanted.items():
        values = {row.get(field) for row in rows if isinstance(row, Mapping)}
        ids = {selectors.parse_uuid(value) for value in values if value is not None} - {None}
        read[field] = {record.pk: record for record in visible.filter(pk__in=ids)} if ids else {}
    return read
