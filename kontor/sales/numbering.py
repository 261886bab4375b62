"""Gap-free document numbers per year (``Q-2026-00042``).

The next number is taken inside the transaction that stores the document:
the sequence row of the kind and year is locked by its UPDATE on
PostgreSQL (SQLite's write transactions are serial already: Kontor opens
them IMMEDIATE), so two writers wait for each other and never get the same
number, and a document that is rolled back gives its number back."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F

from kontor.sales.models import NumberSequence

PATTERNS = {
    "quote": "KONTOR_QUOTE_NUMBER_PATTERN",
    "order": "KONTOR_ORDER_NUMBER_PATTERN",
}


def pattern(kind: str) -> str:
    return getattr(settings, PATTERNS[kind])


def format_number(kind: str, *, year: int, number: int) -> str:
    return pattern(kind).format(year=year, number=number)


def next_number(kind: str, *, on: datetime.date) -> str:
    """The next number of ``kind`` for the year of ``on``. Must run inside the
    transaction that stores the document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take a document number inside the transaction that stores it")
    year = on.year
    NumberSequence.objects.bulk_create(
        [NumberSequence(kind=kind, year=year, last=0)], ignore_conflicts=True
    )
    # The UPDATE locks the row until the transaction ends; a second writer
    # waits for it and then counts on from the committed value.
    rows = NumberSequence.objects.filter(kind=kind, year=year)
    rows.update(last=F("last") + 1)
    number = rows.values_list("last", flat=True).get()
    return format_number(kind, year=year, number=number)


def revision_number(base_number: str, revision: int) -> str:
    return base_number if revision == 1 else f"{base_number}-{revision}"
