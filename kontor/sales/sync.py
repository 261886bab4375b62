"""Products, orders and invoices upserted by an outside system (an ERP)
through the sync (their ``SyncSpec`` in ``sync_kinds``,
kontor.integration.sync): one path through the same services as the UI
and the API. Their ``source`` is the system that sent them, so an ERP's
order and invoice numbers never collide with Kontor's own."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from kontor.core.exceptions import FieldErrors, ServiceError
from kontor.sales.batch import invoices_create_many
from kontor.sales.models import Invoice, Order, Product
from kontor.sales.services import (
    invoice_archive,
    invoice_create,
    invoice_update,
    order_archive,
    order_create,
    order_update,
    product_archive,
    product_create,
    product_update,
)
from kontor.sources.models import ExternalRecord
from kontor.sources.services import acting_source

PRODUCT_REFERENCE = "product_external_id"


def _from_source(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "source": acting_source()}


def apply_product(
    actor: AbstractBaseUser, data: Mapping[str, Any], record: Product | None
) -> tuple[Product, bool]:
    data = _from_source(data)
    if record is None:
        return product_create(actor=actor, data=data), True
    restored = product_archive(actor=actor, product=record, archived=False)
    version = record.version
    record = product_update(actor=actor, product=record, data=data)
    return record, restored or record.version != version


def _lines_with_products(lines: Any) -> Any:
    """Lines naming their product by ``product_external_id`` name it by its
    id in Kontor (one query for the order's lines). Anything else is left to
    the order service to judge."""
    if not isinstance(lines, list):
        return lines
    wanted = {
        line[PRODUCT_REFERENCE]
        for line in lines
        if isinstance(line, Mapping) and isinstance(line.get(PRODUCT_REFERENCE), str)
    }
    known = dict(
        ExternalRecord.objects.filter(
            source=acting_source(), record_type="product", external_id__in=wanted
        ).values_list("external_id", "record_id")
        if wanted
        else ()
    )
    errors: dict[str, list[str]] = {}
    resolved = []
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping) or PRODUCT_REFERENCE not in line:
            resolved.append(line)
            continue
        external_id = line[PRODUCT_REFERENCE]
        if external_id not in known:
            errors[f"lines[{index}].{PRODUCT_REFERENCE}"] = [
                f"no product with this external id came from {acting_source()}"
            ]
            continue
        rest = {k: v for k, v in line.items() if k != PRODUCT_REFERENCE}
        resolved.append({**rest, "product_id": known[external_id]})
    if errors:
        raise FieldErrors(errors)
    return resolved


def apply_order(
    actor: AbstractBaseUser, data: Mapping[str, Any], record: Order | None
) -> tuple[Order, bool]:
    data = _from_source(data)
    if "lines" in data:
        data["lines"] = _lines_with_products(data["lines"])
    if record is None:
        return order_create(actor=actor, data=data), True
    restored = order_archive(actor=actor, order=record, archived=False)
    version = record.version
    record = order_update(actor=actor, order=record, data=data)
    return record, restored or record.version != version


def apply_invoice(
    actor: AbstractBaseUser, data: Mapping[str, Any], record: Invoice | None
) -> tuple[Invoice, bool]:
    data = _from_source(data)
    if record is None:
        return invoice_create(actor=actor, data=data), True
    restored = invoice_archive(actor=actor, invoice=record, archived=False)
    version = record.version
    record = invoice_update(actor=actor, invoice=record, data=data)
    return record, restored or record.version != version


def archive_product(actor: AbstractBaseUser, record: Product) -> bool:
    return product_archive(actor=actor, product=record)


def archive_order(actor: AbstractBaseUser, record: Order) -> bool:
    return order_archive(actor=actor, order=record)


def archive_invoice(actor: AbstractBaseUser, record: Invoice) -> bool:
    return invoice_archive(actor=actor, invoice=record)


def create_invoices(
    actor: AbstractBaseUser, rows: list[Mapping[str, Any]]
) -> list[Invoice | ServiceError]:
    return invoices_create_many(actor=actor, rows=[_from_source(row) for row in rows])
