"""Sales: pipelines with their stages, deals and their stage history,
products and price lists, quotes, orders and invoices.

Money is ``Decimal`` everywhere (``kontor.sales.money`` computes every total);
amounts are stored with two places, unit prices with four."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from kontor.contacts.models import Contact, Organization
from kontor.core.models import BaseModel

AMOUNT = {"max_digits": 16, "decimal_places": 2}
UNIT_PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 3}
RATE = {"max_digits": 5, "decimal_places": 2}
# Where a record came from: made in Kontor, or the name of the ERP that sent it.
KONTOR_SOURCE = "kontor"


class StageKind(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class Pipeline(BaseModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return gettext(self.name) if self.name in DEFAULT_NAMES else self.name

    def get_absolute_url(self) -> str:
        return reverse("sales-board", args=[self.pk])


class Stage(BaseModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=120)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_at_most_100"
            ),
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_per_pipeline"),
        ]

    def __str__(self) -> str:
        # The stages Kontor starts with are shown in the user's language
        # until someone renames them.
        return gettext(self.name) if self.name in DEFAULT_NAMES else self.name


# The names of the default pipeline and its stages (data migration
# 0002_create_default_pipeline); kontor/locale has them in German.
DEFAULT_NAMES = frozenset(
    {
        gettext_noop("New business"),
        gettext_noop("Qualification"),
        gettext_noop("Needs analysis"),
        gettext_noop("Proposal"),
        gettext_noop("Negotiation"),
        gettext_noop("Won"),
        gettext_noop("Lost"),
    }
)


class Deal(BaseModel):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    # The stage's kind, kept on the deal for the board's and lists' indexes.
    status = models.CharField(
        _("status"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), default=0, **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    # Null: the stage's probability.
    probability = models.PositiveSmallIntegerField(_("probability (%)"), null=True, blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=500, blank=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"))
    # The furthest stage (by the pipeline's order) of this pipeline the deal
    # has been in, lost stages aside: the leads dashboard's "reached the
    # stage" reads it instead of the whole stage history.
    furthest_stage = models.ForeignKey(
        Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    custom_sensitive = models.TextField(blank=True, default="", db_default="", editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta(BaseModel.Meta):
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # A board column: one stage's deals, newest first, a page at a time.
            models.Index(fields=["stage", "created_at", "id"], name="deal_stage_created"),
            models.Index(
                fields=["pipeline", "status", "expected_close_date"], name="deal_forecast"
            ),
            models.Index(fields=["status", "created_at", "id"], name="deal_status_created"),
            models.Index(fields=["owner", "status"], name="deal_owner_status"),
            models.Index(
                fields=["organization", "created_at"],
                condition=Q(status="open"),
                name="deal_org_open",
            ),
            models.Index(
                fields=["contact", "created_at"],
                condition=Q(status="open"),
                name="deal_contact_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__lte=100),
                name="deal_probability_at_most_100",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deal-detail", args=[self.pk])

    @property
    def effective_probability(self) -> int:
        return self.probability if self.probability is not None else self.stage.probability


class DealStageChange(models.Model):
    """One move of a deal from a stage to another (the first has no
    ``from_stage``): time in stage and conversion rates come from these."""

    id = models.BigAutoField(primary_key=True)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The names at the time, should a stage be renamed or removed later.
    from_name = models.CharField(max_length=120, blank=True)
    to_name = models.CharField(max_length=120)
    changed_at = models.DateTimeField(_("when"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["deal", "changed_at"], name="deal_stage_change_time")]

    def __str__(self) -> str:
        return f"{self.from_name or '-'} -> {self.to_name}"


class Product(BaseModel):
    """Master data without an owner; ``created_by`` is who entered it."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255, db_index=True)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    net_price = models.DecimalField(_("net unit price"), **UNIT_PRICE)
    currency = models.CharField(_("currency"), max_length=3)
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=64, default=KONTOR_SOURCE)
    # Archived (e.g. deleted in the ERP that maintains it): hidden from lists,
    # pickers and the 360° view, its history kept, still answered by id.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        # The product picker and list: current products by name.
        indexes = [
            models.Index(
                fields=["name", "sku"],
                condition=Q(archived_at__isnull=True),
                name="product_current_name",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(net_price__gte=0), name="product_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PriceList(BaseModel):
    """Prices for one customer group (an organization tag; empty: every
    customer) in a period. A quote takes the price valid for its customer
    and date (``kontor.sales.pricing``)."""

    name = models.CharField(_("name"), max_length=120)
    customer_group = models.CharField(
        _("customer group"),
        max_length=64,
        blank=True,
        help_text=_("An organization tag; empty for every customer."),
    )
    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="price_list_valid_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    id = models.BigAutoField(primary_key=True)
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    net_price = models.DecimalField(_("net unit price"), **UNIT_PRICE)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_once_per_list"),
            models.CheckConstraint(
                condition=Q(net_price__gte=0), name="price_list_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.price_list}: {self.product_id} {self.net_price}"


class NumberSequence(models.Model):
    """The last number given out per kind of document and year. A number is
    taken in the same transaction as the document it names, with the row
    locked: two writers wait for each other, and a rolled-back document
    gives its number back, so numbers have no gaps."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="number_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("expired")


class Document(BaseModel):
    """What quotes, orders and invoices share: a number, a customer, a
    currency and totals."""

    number = models.CharField(_("number"), max_length=64)
    # The customer. A document outlives a deleted customer record: its
    # name (and, for quotes, the address printed) stays in customer_name.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept after its person's erasure only because the law says so (§ 257
    # HGB, § 147 AO): restricted (Art. 18 GDPR, § 35 (3) BDSG), so only the
    # data protection officer sees it until the retention run erases it.
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True, editable=False
    )
    customer_name = models.CharField(_("customer"), max_length=255, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    version = models.PositiveIntegerField(default=1)

    class Meta(BaseModel.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.number

    @property
    def customer(self) -> Organization | Contact | None:
        return self.organization or self.contact


class LinedDocument(Document):
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    net_total = models.DecimalField(_("net"), default=0, **AMOUNT)
    tax_total = models.DecimalField(_("tax"), default=0, **AMOUNT)
    gross_total = models.DecimalField(_("gross"), default=0, **AMOUNT)

    class Meta(Document.Meta):
        abstract = True


class Quote(LinedDocument):
    # Q-2026-00042; a revision adds "-2", "-3", … to its first revision's number.
    base_number = models.CharField(max_length=64)
    revision = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    valid_until = models.DateField(_("valid until"))
    # The address printed on the quote (Kontor keeps no postal addresses).
    customer_address = models.TextField(_("address"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    # A sent quote is frozen; a change makes this new revision.
    superseded_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="previous"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The outgoing email that last carried it (kontor.core.outgoing_mail): an
    # opaque id, as the app that sends email sits above sales.
    email_id = models.UUIDField(_("email"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("accepted or declined at"), null=True, blank=True)

    class Meta(LinedDocument.Meta):
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="quote_org_created"),
            models.Index(fields=["contact", "created_at"], name="quote_contact_created"),
            models.Index(fields=["deal", "created_at"], name="quote_deal_created"),
            models.Index(
                fields=["valid_until"], condition=Q(status="sent"), name="quote_sent_valid_until"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="quote_number_unique"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("quote-detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status != QuoteStatus.DRAFT


class OrderStatus(models.TextChoices):
    OPEN = "open", _("open")
    DELIVERED = "delivered", _("delivered")
    INVOICED = "invoiced", _("invoiced")
    CANCELLED = "cancelled", _("cancelled")


class Order(LinedDocument):
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    order_date = models.DateField(_("order date"))
    quote = models.OneToOneField(
        Quote, on_delete=models.SET_NULL, null=True, blank=True, related_name="order"
    )
    source = models.CharField(_("source"), max_length=64, default=KONTOR_SOURCE)
    # Archived (e.g. deleted in the ERP that maintains it): hidden from lists,
    # pickers and the 360° view, its history kept, still answered by id.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta(LinedDocument.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="order_org_created"),
            models.Index(fields=["contact", "created_at"], name="order_contact_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="order_number_per_source"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("order-detail", args=[self.pk])


class Line(models.Model):
    """A line of a quote or an order: a product or free text."""

    id = models.BigAutoField(primary_key=True)
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.TextField(_("description"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    unit_price = models.DecimalField(_("unit price"), **UNIT_PRICE)
    discount_percent = models.DecimalField(_("discount (%)"), default=0, **RATE)
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE)
    # quantity x unit price less the discount, rounded half-up to cents.
    net_amount = models.DecimalField(_("net amount"), **AMOUNT)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class QuoteLine(Line):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    def __str__(self) -> str:
        return self.description


class OrderLine(Line):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    def __str__(self) -> str:
        return self.description


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("open")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


class Invoice(Document):
    """An invoice as the ERP keeps it: Kontor stores and shows it, it does no
    bookkeeping."""

    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"))
    gross_amount = models.DecimalField(_("gross amount"), **AMOUNT)
    amount_paid = models.DecimalField(_("amount paid"), default=0, **AMOUNT)
    dunning_level = models.PositiveSmallIntegerField(_("dunning level"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    source = models.CharField(_("source"), max_length=64, default=KONTOR_SOURCE)
    # Archived (e.g. deleted in the ERP that maintains it): hidden from lists,
    # pickers and the 360° view, its history kept, still answered by id.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        # Open payments: open invoices that are not archived, per customer.
        indexes = [
            models.Index(
                fields=["organization", "due_date"],
                condition=Q(status="open", archived_at__isnull=True),
                name="invoice_org_open_due",
            ),
            models.Index(
                fields=["contact", "due_date"],
                condition=Q(status="open", archived_at__isnull=True),
                name="invoice_contact_open_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="invoice_number_per_source"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0), name="invoice_paid_not_negative"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("invoice-detail", args=[self.pk])

    @property
    def open_amount(self):
        if self.status != InvoiceStatus.OPEN:
            return type(self.gross_amount)(0)
        return max(self.gross_amount - self.amount_paid, type(self.gross_amount)(0))
