"""GDPR erasure in sales (kontor.core.erasure).

Deals are no business letters: a deal of the person alone (no
organization) goes; a deal with an organization stays for it, without the
person and without their name in its title.

Quotes, orders and invoices must be kept (§ 257 HGB, § 147 AO): orders and
quotes as business letters for 6 years, invoices as accounting records for
8 (10 until 2024: the Fourth Bureaucracy Relief Act shortened it from
2025), from the end of the year of the document. They stay as they are, with
the name and address they were issued to; only the link to the erased
contact goes, and their processing is restricted (Art. 18 GDPR, § 35 (3)
BDSG: kept only because the law says so), so that only the data protection
officer sees them. The erasure report lists each one kept (kind, number,
id), so the data protection officer, and no one else, can still tell whose
they were; when the period ends the daily retention run erases them
(``erase_expired_documents``)."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.core.records import record_type_for
from kontor.sales.models import Deal, Invoice, Order, Quote

BUSINESS_LETTER = "§ 257 (1) no. 2, (4) HGB; § 147 (1) no. 2, (3) AO (business letter)"
ACCOUNTING_RECORD = (
    "§ 257 (1) no. 4, (4) HGB; § 147 (1) no. 4, (3) AO (invoice: 8 years since 2025)"
)
# § 147 (3) AO and § 257 (4) HGB as amended by the Fourth Bureaucracy Relief
# Act (in force since 1 January 2025): accounting records 8 years, not 10.
INVOICE_YEARS = 8


def _document_year(document, date_field: str) -> int:
    if date_field:
        return getattr(document, date_field).year
    return document.created_at.year


def keep_until(year: int, years: int) -> datetime.date:
    """The last day of the retention period: it starts at the end of the
    document's year (§ 257 (5) HGB, § 147 (4) AO)."""
    return datetime.date(year + years, 12, 31)


def _keep_documents(erasure: Erasure, model, date_field: str, years: int, ground: str) -> None:
    """The person's documents of ``model``: kept, unlinked from the person."""
    documents = list(model.objects.filter(contact=erasure.person).order_by("created_at", "pk"))
    for document in documents:
        erasure.keep(
            what=f"{model._meta.model_name} {document.number} ({document.pk})",
            legal_ground=ground,
            until=keep_until(_document_year(document, date_field), years),
            record_type=record_type_for(model).key,
            record_id=document.pk,
        )
    erasure.touched(model, [document.pk for document in documents])
    model.objects.filter(pk__in=[document.pk for document in documents]).update(
        contact=None, processing_restricted_at=timezone.now()
    )


def erase_quotes(erasure: Erasure) -> None:
    _keep_documents(erasure, Quote, "", 6, BUSINESS_LETTER)


def erase_orders(erasure: Erasure) -> None:
    _keep_documents(erasure, Order, "order_date", 6, BUSINESS_LETTER)


def erase_invoices(erasure: Erasure) -> None:
    _keep_documents(erasure, Invoice, "invoice_date", INVOICE_YEARS, ACCOUNTING_RECORD)


def erase_deals(erasure: Erasure) -> None:
    person = erasure.person
    deals = Deal.objects.filter(contact=person)
    alone = deals.filter(organization__isnull=True)
    ids = list(alone.values_list("pk", flat=True))
    erasure.touched(Deal, ids)
    deleted = 0
    if ids:
        for model in (Quote, Order):
            model.objects.filter(deal_id__in=ids).update(deal=None)
        deleted = Deal.objects.filter(pk__in=ids).delete()[1].get(Deal._meta.label, 0)
    erasure.removed(gettext_noop("deals"), deleted)
    unlinked = 0
    for deal in Deal.objects.filter(Q(contact=person)):
        deal.contact = None
        deal.title = erasure.identifiers.scrub(deal.title)[:255]
        deal.save(update_fields=["contact", "title"])
        erasure.touched(Deal, [deal.pk])
        unlinked += 1
    erasure.removed(gettext_noop("deals unlinked (kept for their organization)"), unlinked)
