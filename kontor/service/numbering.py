"""Gap-free ticket numbers (``T-000123``), the way sales numbers its
documents: the next number is taken inside the transaction that stores the
ticket, the counter row locked by its UPDATE (SQLite's write transactions
are serial already: Kontor opens them IMMEDIATE), so two writers wait for
each other and never get the same number, and a ticket that is rolled back
gives its number back."""

from django.db import transaction
from django.db.models import F

from kontor.service.models import TicketSequence

PREFIX = "T-"
DIGITS = 6


def format_number(number: int) -> str:
    return f"{PREFIX}{number:0{DIGITS}d}"


def next_ticket_number() -> str:
    """Must run inside the transaction that stores the ticket."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take a ticket number inside the transaction that stores it")
    TicketSequence.objects.bulk_create([TicketSequence(pk=1, last=0)], ignore_conflicts=True)
    rows = TicketSequence.objects.filter(pk=1)
    rows.update(last=F("last") + 1)
    return format_number(rows.values_list("last", flat=True).get())
