"""Open payments by age, over the invoices the user may read."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext as _

from kontor.access.policy import fields_for
from kontor.analytics.dashboards.base import (
    AGE_BUCKETS,
    Dashboard,
    check_team_filter,
    in_period,
    make_series,
    money_series,
)
from kontor.analytics.filters import Filters
from kontor.sales.selectors import (
    current,
    visible_invoices,
)

# Invoices -------------------------------------------------------------------------


def payments_dashboard(user: Any, filters: Filters, today: datetime.date) -> Dashboard:
    """Open invoices (unpaid, not archived) by age, in days since the
    invoice date: count and open amount per currency. The period filters the
    invoice date; the team, the customer's owner."""
    members = check_team_filter(filters)
    invoices = current(visible_invoices(user)).filter(
        status="open", amount_paid__lt=F("gross_amount")
    )
    invoices = invoices.filter(in_period("invoice_date", filters, dates=True))
    if members is not None:
        invoices = invoices.filter(
            Q(organization__owner_id__in=members) | Q(contact__owner_id__in=members)
        )
    bucket = Case(
        When(invoice_date__gte=today - datetime.timedelta(days=30), then=Value(AGE_BUCKETS[0])),
        When(invoice_date__gte=today - datetime.timedelta(days=60), then=Value(AGE_BUCKETS[1])),
        When(invoice_date__gte=today - datetime.timedelta(days=90), then=Value(AGE_BUCKETS[2])),
        default=Value(AGE_BUCKETS[3]),
    )
    open_amount = ExpressionWrapper(
        F("gross_amount") - F("amount_paid"),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )
    rows = list(
        invoices.order_by()
        .annotate(age=bucket)
        .values("age", "currency")
        .annotate(count=Count("id"), open=Sum(open_amount))
    )
    labels = list(AGE_BUCKETS)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["age"]] += row["count"]
    series = [make_series("count", _("Open invoices"), "count", labels, counts)]
    invoice_fields = fields_for(user, "invoice")
    if invoice_fields.may_read("gross_amount") and invoice_fields.may_read("amount_paid"):
        series += money_series(
            rows, labels, lambda row: row["age"], [("open", "open", _("Open amount"))]
        )
    names = {
        AGE_BUCKETS[0]: _("0–30 days"),
        AGE_BUCKETS[1]: _("31–60 days"),
        AGE_BUCKETS[2]: _("61–90 days"),
        AGE_BUCKETS[3]: _("over 90 days"),
    }
    return Dashboard(
        "payments",
        filters,
        labels,
        names,
        series,
        extras={"period_of": "invoice_date", "today": today.isoformat()},
    )
