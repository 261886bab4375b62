"""Deals for generated customers, in realistic proportions: most open and
spread over the open stages, a quarter won, some lost (a few of those
closed in the last month, so the board's won and lost columns have cards);
each with the stage changes that brought it where it is; quotes for four
in ten deals, an order for every accepted quote, an invoice for every
order (most paid, some overdue). Totals come from the one totals function
(kontor.sales.money), so they are what the services would store."""

import datetime
import random
from collections.abc import Iterator
from decimal import Decimal

from kontor.perf.bulk import uuid7_at, write_table
from kontor.sales.models import NumberSequence, Pipeline, StageKind
from kontor.sales.money import LineInput, totals

DEAL_COLUMNS = [
    "id", "created_at", "updated_at", "title", "status", "amount", "currency", "probability",
    "expected_close_date", "source", "next_step", "lost_reason", "stage_entered_at",
    "closed_at", "custom", "custom_sensitive", "version", "contact_id", "organization_id",
    "owner_id", "pipeline_id", "stage_id", "furthest_stage_id",
]  # fmt: skip
CHANGE_COLUMNS = ["deal_id", "from_stage_id", "to_stage_id", "from_name", "to_name",
                  "changed_at", "changed_by_id"]  # fmt: skip
DOCUMENT_COLUMNS = ["id", "created_at", "updated_at", "number", "customer_name", "currency",
                    "version", "contact_id", "organization_id"]  # fmt: skip
QUOTE_COLUMNS = [*DOCUMENT_COLUMNS, "net_total", "tax_total", "gross_total", "base_number",
                 "revision", "status", "valid_until", "customer_address", "terms",
                 "introduction", "sent_at", "decided_at", "deal_id", "owner_id"]  # fmt: skip
ORDER_COLUMNS = [*DOCUMENT_COLUMNS, "net_total", "tax_total", "gross_total", "status",
                 "order_date", "source", "deal_id", "owner_id", "quote_id"]  # fmt: skip
INVOICE_COLUMNS = [*DOCUMENT_COLUMNS, "invoice_date", "due_date", "gross_amount", "amount_paid",
                   "dunning_level", "status", "source", "order_id"]  # fmt: skip
LINE_COLUMNS = ["position", "sku", "description", "quantity", "unit", "unit_price",
                "discount_percent", "tax_rate", "net_amount"]  # fmt: skip
TABLES = ["sales_deal", "sales_dealstagechange", "sales_quote", "sales_quoteline",
          "sales_order", "sales_orderline", "sales_invoice"]  # fmt: skip
SUBJECTS = ["Rollout", "Wartungsvertrag", "Erweiterung", "Lizenzen", "Migration", "Schulungen",
            "Pilotprojekt", "Rahmenvertrag", "Ersatzteile", "Beratung"]  # fmt: skip
LINES = [("Beratung", "h", "120.00", "19"), ("Lizenz", "Jahr", "480.00", "19"),
         ("Installation", "pauschal", "1500.00", "19"), ("Handbuch", "Stück", "39.90", "7"),
         ("Schulung", "Tag", "950.00", "19")]  # fmt: skip
CHUNK = 50_000
LABELS = {"sales_deal": "deals", "sales_dealstagechange": "stage changes",
          "sales_quote": "quotes", "sales_quoteline": "quote lines", "sales_order": "orders",
          "sales_orderline": "order lines", "sales_invoice": "invoices"}  # fmt: skip


def _amount(rng: random.Random) -> Decimal:
    """Log-normal: most deals a few thousand euros, a few six figures."""
    return Decimal(min(rng.lognormvariate(9, 1.1), 5_000_000)).quantize(Decimal("0.01"))


def _state(rng: random.Random, open_stages: list, won, lost) -> tuple:
    roll = rng.random()
    if roll < 0.60:
        return rng.choice(open_stages), StageKind.OPEN
    return (won, StageKind.WON) if roll < 0.85 else (lost, StageKind.LOST)


def generate_sales(scale, rng: random.Random, now, owners, result, progress) -> None:
    """``scale.deals`` deals (and their histories, quotes, orders, invoices)
    for the generated organizations and contacts, in the default pipeline."""
    if not scale.deals:
        return
    pipeline = Pipeline.objects.prefetch_related("stages").order_by("position", "name").first()
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    year = now.year
    counters = {"quote": _last("quote", year), "order": _last("order", year)}
    for start in range(0, scale.deals, CHUNK):
        rows: dict[str, list] = {table: [] for table in TABLES}
        for _ in range(start, min(start + CHUNK, scale.deals)):
            _deal(rng, now, owners, result, pipeline, open_stages, won, lost, counters, rows)
        for table in TABLES:
            columns = _columns(table)
            label = LABELS[table]
            write_table(label, table, columns, rows[table], result.counts, progress)
    for kind, last in counters.items():
        NumberSequence.objects.update_or_create(kind=kind, year=year, defaults={"last": last})


def _last(kind: str, year: int) -> int:
    row = NumberSequence.objects.filter(kind=kind, year=year).first()
    return row.last if row else 0


def _columns(table: str) -> list[str]:
    return {
        "sales_deal": DEAL_COLUMNS,
        "sales_dealstagechange": CHANGE_COLUMNS,
        "sales_quote": QUOTE_COLUMNS,
        "sales_quoteline": [*LINE_COLUMNS, "quote_id"],
        "sales_order": ORDER_COLUMNS,
        "sales_orderline": [*LINE_COLUMNS, "order_id"],
        "sales_invoice": INVOICE_COLUMNS,
    }[table]


def _deal(rng, now, owners, result, pipeline, open_stages, won, lost, counters, rows) -> None:
    index = rng.randrange(len(result.contact_ids)) if result.contact_ids else None
    organization = result.contact_organization_ids[index] if index is not None else None
    contact = result.contact_ids[index] if index is not None and rng.random() < 0.8 else None
    if organization is None and contact is None:
        if result.organization_ids:
            organization = rng.choice(result.organization_ids)
        else:
            contact = result.contact_ids[index]
    stage, status = _state(rng, open_stages, won, lost)
    created = now - datetime.timedelta(days=rng.uniform(1, 3 * 365))
    owner = rng.choice(owners) if owners else None
    amount = _amount(rng)
    path = open_stages[: rng.randint(1, len(open_stages))] if status != StageKind.OPEN else (
        open_stages[: open_stages.index(stage) + 1]
    )  # fmt: skip
    if status != StageKind.OPEN:
        path = [*path, stage]
    furthest = [step for step in path if step.kind != StageKind.LOST][-1]
    moments = sorted(created + (now - created) * rng.random() for _ in path[1:])
    moments = [created, *moments]
    closed = None
    if status != StageKind.OPEN:
        # Some closed within the last month (the board shows those).
        closed = now - datetime.timedelta(days=rng.uniform(0, 30)) if rng.random() < 0.05 \
            else moments[-1]  # fmt: skip
        moments[-1] = max(closed, moments[-2] if len(moments) > 1 else created)
        closed = moments[-1]
    close_date = (created + datetime.timedelta(days=rng.randint(14, 240))).date()
    deal_id = uuid7_at(created, rng)
    rows["sales_deal"].append(
        (deal_id, created, moments[-1], f"{rng.choice(SUBJECTS)} {rng.randrange(1000, 9999)}",
         status, str(amount), "EUR", None, close_date, rng.choice(["", "Website", "Messe"]), "",
         "Preis" if status == StageKind.LOST else "", moments[-1], closed, "{}", "", 1, contact,
         organization, owner, pipeline.pk, stage.pk, furthest.pk)
    )  # fmt: skip
    previous = None
    for step, moment in zip(path, moments, strict=True):
        rows["sales_dealstagechange"].append(
            (deal_id, previous.pk if previous else None, step.pk,
             previous.name if previous else "", step.name, moment, owner)
        )  # fmt: skip
        previous = step
    if rng.random() < 0.4 or status == StageKind.WON:
        customer = result.organization_names.get(organization, "")
        _quote(rng, now, deal_id, status, organization, contact, owner, created, counters, rows,
               customer)  # fmt: skip


def _lines(rng: random.Random) -> list[tuple]:
    lines = []
    for position in range(rng.randint(1, 3)):
        description, unit, price, rate = rng.choice(LINES)
        quantity = Decimal(rng.randint(1, 40))
        discount = Decimal(rng.choice([0, 0, 0, 5, 10]))
        lines.append((position, "", description, quantity, unit, Decimal(price), discount,
                      Decimal(rate)))  # fmt: skip
    return lines


def _quote(
    rng, now, deal_id, status, organization, contact, owner, created, counters, rows, customer
):
    counters["quote"] += 1
    number = f"Q-{now.year}-{counters['quote']:05d}"
    lines = _lines(rng)
    result = totals(LineInput(q, p, d, r) for _, _, _, q, _, p, d, r in lines)
    quote_status = {StageKind.WON: "accepted", StageKind.LOST: "declined"}.get(status, "sent")
    quote_id = uuid7_at(created, rng)
    sent = created + datetime.timedelta(days=1)
    decided = sent + datetime.timedelta(days=7) if quote_status != "sent" else None
    rows["sales_quote"].append(
        (quote_id, created, created, number, customer, "EUR", 1, contact, organization,
         str(result.net), str(result.tax_total), str(result.gross), number, 1, quote_status,
         (created + datetime.timedelta(days=30)).date(), "", "", "", sent, decided, deal_id,
         owner)
    )  # fmt: skip
    for line, amount in zip(lines, result.lines, strict=True):
        rows["sales_quoteline"].append((*_text(line), str(amount), quote_id))
    if quote_status != "accepted":
        return
    counters["order"] += 1
    order_id = uuid7_at(decided, rng)
    order_status = rng.choice(["invoiced", "invoiced", "delivered", "open"])
    rows["sales_order"].append(
        (order_id, decided, decided, f"O-{now.year}-{counters['order']:05d}", customer, "EUR", 1,
         contact, organization, str(result.net), str(result.tax_total), str(result.gross),
         order_status, decided.date(), "kontor", deal_id, owner, quote_id)
    )  # fmt: skip
    for line, amount in zip(lines, result.lines, strict=True):
        rows["sales_orderline"].append((*_text(line), str(amount), order_id))
    invoice_date = (decided + datetime.timedelta(days=rng.randint(3, 30))).date()
    due = invoice_date + datetime.timedelta(days=14)
    paid = result.gross if rng.random() < 0.85 or due > now.date() - datetime.timedelta(days=3) \
        else Decimal(0)  # fmt: skip
    rows["sales_invoice"].append(
        (uuid7_at(decided, rng), decided, decided, f"RE-{counters['order']:07d}", customer, "EUR",
         1,
         contact, organization, invoice_date, due, str(result.gross), str(paid),
         0 if paid else rng.choice([0, 1, 2]), "paid" if paid else "open", "erp", order_id)
    )  # fmt: skip


def _text(line: tuple) -> Iterator:
    position, sku, description, quantity, unit, price, discount, rate = line
    return iter((position, sku, description, str(quantity), unit, str(price), str(discount),
                 str(rate)))  # fmt: skip
