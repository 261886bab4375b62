"""How an outside system (an ERP) syncs products, orders and invoices
(kontor.core.records.SyncSpec): the fields it may deliver, named as the
sales services take them (these become read-only in Kontor for its
records), the records they name by the source's external ids, and the
functions in ``kontor.sales.sync`` that apply them.

An order's lines name their product by ``product_external_id`` (the id the
same source synced the product under) or are free text."""

from kontor.core.records import SyncSpec

CUSTOMER_REFERENCES = (
    ("organization_external_id", "organizations", "organization_id"),
    ("contact_external_id", "contacts", "contact_id"),
)

PRODUCTS_SYNC = SyncSpec(
    kind="products",
    fields=("sku", "name", "description", "unit", "net_price", "currency", "tax_rate", "active"),
    apply="kontor.sales.sync.apply_product",
    archive="kontor.sales.sync.archive_product",
)
ORDERS_SYNC = SyncSpec(
    kind="orders",
    fields=("number", "status", "order_date", "currency", "lines"),
    references=CUSTOMER_REFERENCES,
    apply="kontor.sales.sync.apply_order",
    archive="kontor.sales.sync.archive_order",
)
INVOICES_SYNC = SyncSpec(
    kind="invoices",
    fields=(
        "number",
        "invoice_date",
        "due_date",
        "currency",
        "gross_amount",
        "amount_paid",
        "dunning_level",
        "status",
    ),
    references=(*CUSTOMER_REFERENCES, ("order_external_id", "orders", "order_id")),
    apply="kontor.sales.sync.apply_invoice",
    archive="kontor.sales.sync.archive_invoice",
    create_many="kontor.sales.sync.create_invoices",
)
