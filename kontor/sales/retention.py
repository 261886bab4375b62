"""Retention of quotes, orders and invoices (kontor.privacy retention
rules): the period starts at the end of the document's year (§ 257 (5)
HGB, § 147 (4) AO), so a document has expired when its year ended before
the cutoff — the year of the cutoff itself is not over yet. Expired
documents are deleted through ``services.documents_erase_expired``."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from kontor.sales.models import Invoice, Order, Quote


def _first_day_of_year(cutoff: datetime.date) -> datetime.date:
    return datetime.date(cutoff.year, 1, 1)


def expired_quotes(cutoff: datetime.date) -> QuerySet[Quote]:
    start = datetime.datetime.combine(
        _first_day_of_year(cutoff), datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )
    return Quote.objects.filter(created_at__lt=start).order_by("created_at", "id")


def expired_orders(cutoff: datetime.date) -> QuerySet[Order]:
    return Order.objects.filter(order_date__lt=_first_day_of_year(cutoff)).order_by(
        "order_date", "id"
    )


def expired_invoices(cutoff: datetime.date) -> QuerySet[Invoice]:
    return Invoice.objects.filter(invoice_date__lt=_first_day_of_year(cutoff)).order_by(
        "invoice_date", "id"
    )
