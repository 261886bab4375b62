"""The sales record types, registered in ``SalesConfig.ready``
(kontor.core.records).

Ownership: a deal belongs to its owner, like a contact. A quote or an order
belongs to its owner and to the owners of its customer (the account manager
sees what a colleague offered their customer); an invoice, which comes from
the ERP, to the owners of its customer. Products are master data without an
owner: every default role reads them, only administrators change them
(``created_by`` counts as owner for roles an administrator gives ``own``).

Amounts: a deal's amount and the lines and totals of quotes and orders are
standard by default (an administrator may make them financial); what an
invoice says about payment (amounts, dunning level, status) is financial and
stays so: roles without financial access never see it."""

from django.utils.translation import gettext_lazy as _

from kontor.core.records import (
    STANDARD_OR_PERSONAL,
    Category,
    ExportSpec,
    FieldSpec,
    PersonalData,
    RecordType,
    RetentionDefault,
    RetentionSpec,
    SearchSpec,
)
from kontor.sales.erasure import ACCOUNTING_RECORD, BUSINESS_LETTER, INVOICE_YEARS
from kontor.sales.sync_kinds import INVOICES_SYNC, ORDERS_SYNC, PRODUCTS_SYNC
from kontor.sales.warehouse import (
    DEAL_SNAPSHOT,
    DEAL_STAGE_CHANGE,
    INVOICE,
    ORDER_LINE,
    PRODUCT,
    QUOTE_LINE,
)

STANDARD_OR_FINANCIAL = (Category.STANDARD, Category.FINANCIAL)
CUSTOMER_LINKS = ("contact", "organization")
# Service agents read the sales records (customers call about their orders)
# but change none of them.
SERVICE_READS = ("service", (("read", "all"),))
READS_ONLY = (("read", "all"),)

_CUSTOMER = FieldSpec(
    "customer",
    _("customer"),
    output_keys=("organization_id", "contact_id", "customer_name", "customer"),
)
_OWNER = FieldSpec("owner", _("owner"), output_keys=("owner_id",))
_CUSTOMER_REFERENCES = (("organization", "organization"), ("contact", "contact"))

# The columns of the deal export (kontor.exports), in file order. The names
# of the pipeline, the customer and the owner stand beside their ids.
DEAL_COLUMNS = (
    "id",
    "title",
    "pipeline",
    "pipeline_id",
    "stage_name",
    "stage_id",
    "status",
    "amount",
    "weighted_amount",
    "currency",
    "probability",
    "expected_close_date",
    "organization",
    "organization_id",
    "contact",
    "contact_id",
    "owner",
    "owner_id",
    "source",
    "next_step",
    "lost_reason",
    "stage_entered_at",
    "closed_at",
    "created_at",
    "updated_at",
)

DEAL = RecordType(
    key="deal",
    label=_("deal"),
    label_plural=_("deals"),
    model="sales.Deal",
    visible="kontor.sales.selectors.visible_deals",
    owner_paths=("owner",),
    restricted_by=("contact__processing_restricted_at",),
    custom_fields=True,
    fields=(
        FieldSpec("title", _("title")),
        FieldSpec(
            "stage",
            _("stage"),
            output_keys=(
                "pipeline_id",
                "pipeline",
                "stage_id",
                "status",
                "stage_name",
                "stage_entered_at",
                "closed_at",
            ),
        ),
        FieldSpec(
            "organization", _("organization"), output_keys=("organization_id", "organization")
        ),
        FieldSpec("contact", _("contact"), output_keys=("contact_id", "contact")),
        FieldSpec("owner", _("owner"), output_keys=("owner_id", "owner")),
        FieldSpec(
            "amount",
            _("amount"),
            Category.STANDARD,
            STANDARD_OR_FINANCIAL,
            output_keys=("amount", "weighted_amount"),
        ),
        FieldSpec("currency", _("currency")),
        FieldSpec("probability", _("probability")),
        FieldSpec("expected_close_date", _("expected close date")),
        FieldSpec("source", _("source")),
        FieldSpec("next_step", _("next step"), Category.STANDARD, STANDARD_OR_PERSONAL),
        FieldSpec("lost_reason", _("lost reason"), Category.STANDARD, STANDARD_OR_PERSONAL),
    ),
    references=(("organization", "organization"), ("contact", "contact")),
    api_parameter="deal_id",
    serialize="kontor.sales.payloads.deal_answer",
    events=("created", "updated", "deleted", "stage_changed", "won", "lost"),
    search=SearchSpec(fields=("title",)),
    personal_data=PersonalData(
        links=("contact",), erase="kontor.sales.erasure.erase_deals", erase_order=30
    ),
    merge_links=CUSTOMER_LINKS,
    warehouse=(DEAL_STAGE_CHANGE, DEAL_SNAPSHOT),
    history_links=True,
    role_levels=(SERVICE_READS,),
    export=ExportSpec(columns=DEAL_COLUMNS, rows="kontor.sales.exports.deal_rows"),
)

_DOCUMENT_AMOUNTS = FieldSpec(
    "amounts",
    _("lines and totals"),
    Category.STANDARD,
    STANDARD_OR_FINANCIAL,
    output_keys=("lines", "totals"),
)

QUOTE = RecordType(
    key="quote",
    label=_("quote"),
    label_plural=_("quotes"),
    model="sales.Quote",
    visible="kontor.sales.selectors.visible_quotes",
    owner_paths=("owner", "organization__owner", "contact__owner"),
    restricted_by=("contact__processing_restricted_at", "processing_restricted_at"),
    share_paths=(("", ""), ("deal", "deal")),
    fields=(
        FieldSpec("number", _("number"), output_keys=("number", "revision")),
        _CUSTOMER,
        FieldSpec("customer_address", _("address"), Category.PERSONAL, STANDARD_OR_PERSONAL),
        FieldSpec("deal", _("deal"), output_keys=("deal_id",)),
        _OWNER,
        FieldSpec(
            "status",
            _("status"),
            output_keys=(
                "status",
                "sent_at",
                "email_id",
                "decided_at",
                "superseded_by_id",
                "order_id",
            ),
        ),
        FieldSpec("valid_until", _("valid until")),
        FieldSpec("terms", _("terms"), output_keys=("terms", "introduction")),
        FieldSpec("currency", _("currency")),
        _DOCUMENT_AMOUNTS,
    ),
    references=(*_CUSTOMER_REFERENCES, ("deal", "deal")),
    api_parameter="quote_id",
    serialize="kontor.sales.payloads.quote_answer",
    events=("created", "updated", "revised", "sent", "accepted", "declined", "expired"),
    search=SearchSpec(fields=("number", "customer_name")),
    personal_data=PersonalData(
        links=("contact",), erase="kontor.sales.erasure.erase_quotes", erase_order=30
    ),
    retention=RetentionSpec(
        expired="kontor.sales.retention.expired_quotes",
        counted_from=_("the end of the year of the document"),
        erase="kontor.sales.services.documents_erase_expired",
        defaults=(RetentionDefault(72, BUSINESS_LETTER),),
    ),
    merge_links=CUSTOMER_LINKS,
    warehouse=(QUOTE_LINE,),
    role_levels=(SERVICE_READS,),
)

ORDER = RecordType(
    key="order",
    label=_("order"),
    label_plural=_("orders"),
    model="sales.Order",
    visible="kontor.sales.selectors.visible_orders",
    owner_paths=("owner", "organization__owner", "contact__owner"),
    restricted_by=("contact__processing_restricted_at", "processing_restricted_at"),
    share_paths=(("", ""), ("deal", "deal")),
    fields=(
        FieldSpec("number", _("number"), output_keys=("number", "source")),
        _CUSTOMER,
        FieldSpec("deal", _("deal"), output_keys=("deal_id", "quote_id")),
        _OWNER,
        FieldSpec("status", _("status"), output_keys=("status", "order_date")),
        FieldSpec("currency", _("currency")),
        _DOCUMENT_AMOUNTS,
    ),
    references=(*_CUSTOMER_REFERENCES, ("deal", "deal"), ("quote", "quote")),
    api_parameter="order_id",
    serialize="kontor.sales.payloads.order_answer",
    events=("created", "updated", "archived"),
    search=SearchSpec(fields=("number", "customer_name")),
    personal_data=PersonalData(
        links=("contact",), erase="kontor.sales.erasure.erase_orders", erase_order=30
    ),
    retention=RetentionSpec(
        expired="kontor.sales.retention.expired_orders",
        counted_from=_("the end of the year of the document"),
        erase="kontor.sales.services.documents_erase_expired",
        defaults=(RetentionDefault(72, BUSINESS_LETTER),),
    ),
    merge_links=CUSTOMER_LINKS,
    warehouse=(ORDER_LINE,),
    role_levels=(SERVICE_READS,),
    sync=ORDERS_SYNC,
)

INVOICE = RecordType(
    key="invoice",
    label=_("invoice"),
    label_plural=_("invoices"),
    model="sales.Invoice",
    visible="kontor.sales.selectors.visible_invoices",
    owner_paths=("organization__owner", "contact__owner"),
    restricted_by=("contact__processing_restricted_at", "processing_restricted_at"),
    fields=(
        FieldSpec("number", _("number"), output_keys=("number", "source")),
        _CUSTOMER,
        FieldSpec("order", _("order"), output_keys=("order_id",)),
        FieldSpec("dates", _("invoice and due date"), output_keys=("invoice_date", "due_date")),
        FieldSpec("currency", _("currency")),
        # Payment behaviour: always financial.
        FieldSpec(
            "payment",
            _("amounts and payment"),
            Category.FINANCIAL,
            (Category.FINANCIAL,),
            output_keys=(
                "gross_amount",
                "amount_paid",
                "open_amount",
                "dunning_level",
                "status",
                "overdue",
            ),
        ),
    ),
    references=(*_CUSTOMER_REFERENCES, ("order", "order")),
    api_parameter="invoice_id",
    serialize="kontor.sales.payloads.invoice_answer",
    events=("created", "updated", "archived"),
    search=SearchSpec(fields=("number", "customer_name")),
    personal_data=PersonalData(
        links=("contact",), erase="kontor.sales.erasure.erase_invoices", erase_order=30
    ),
    retention=RetentionSpec(
        expired="kontor.sales.retention.expired_invoices",
        counted_from=_("the end of the year of the document"),
        erase="kontor.sales.services.documents_erase_expired",
        defaults=(RetentionDefault(12 * INVOICE_YEARS, ACCOUNTING_RECORD),),
    ),
    merge_links=CUSTOMER_LINKS,
    warehouse=(INVOICE,),
    role_levels=(
        ("sales", (("read", "team"), ("export", "own"))),
        ("team-lead", (("read", "team"), ("export", "team"))),
        SERVICE_READS,
    ),
    sync=INVOICES_SYNC,
)

PRODUCT = RecordType(
    key="product",
    label=_("product"),
    label_plural=_("products"),
    model="sales.Product",
    visible="kontor.sales.selectors.visible_products",
    owner_paths=("created_by",),
    fields=(
        FieldSpec("sku", _("SKU")),
        FieldSpec("name", _("name"), output_keys=("name", "description", "unit")),
        FieldSpec("price", _("price"), output_keys=("net_price", "currency", "tax_rate")),
        FieldSpec("active", _("active"), output_keys=("active", "source")),
    ),
    api_parameter="product_id",
    serialize="kontor.sales.payloads.product_answer",
    events=("created", "updated", "deleted", "archived"),
    search=SearchSpec(fields=("sku", "name")),
    warehouse=(PRODUCT,),
    role_levels=(
        ("sales", READS_ONLY),
        ("service", READS_ONLY),
        ("team-lead", READS_ONLY),
        ("data-protection-officer", READS_ONLY),
        ("read-only", READS_ONLY),
    ),
    sync=PRODUCTS_SYNC,
)

SALES_TYPES = (DEAL, QUOTE, ORDER, INVOICE, PRODUCT)
