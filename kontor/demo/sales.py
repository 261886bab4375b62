"""Demo sales: a second pipeline, products with a key-account price list,
deals in every stage (with their stage histories), quotes (a draft, a sent
one, an accepted one with its order) and invoices from the ERP, some of
them overdue. Written through the services, like every demo record."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from kontor.access.models import Role
from kontor.contacts.models import Contact, Organization
from kontor.sales import services
from kontor.sales.models import Pipeline, PriceList, PriceListItem

PRODUCTS = [
    # sku, name, unit, net price, tax rate, description
    ("BER-H", "Beratung", "h", "120.00", "19", "Beratung vor Ort oder remote, je Stunde"),
    ("SCH-T", "Schulung", "Tag", "950.00", "19", "Schulung für bis zu 8 Personen"),
    ("LIZ-J", "Software-Lizenz", "Jahr", "480.00", "19", "Lizenz je Arbeitsplatz und Jahr"),
    ("INS-P", "Installation", "pauschal", "1500.00", "19", ""),
    ("WAR-M", "Wartungsvertrag", "Monat", "149.00", "19", "Wartung und Störungsdienst"),
    ("HB-01", "Handbuch (gedruckt)", "Stück", "39.90", "7", ""),
]

# title, organization index, contact name, stage, amount, days to close, source, next step
DEALS = [
    (
        "Wartungsvertrag Öfen",
        0,
        "Anna Schulze",
        "Proposal",
        "3576.00",
        20,
        "Empfehlung",
        "Angebot nachfassen",
    ),
    (
        "Filialnetz Kassensysteme",
        0,
        "Peter Schulze",
        "Qualification",
        "18000.00",
        75,
        "Messe",
        "Bedarf klären",
    ),
    (
        "Linie 4 Automatisierung",
        1,
        "Jürgen Müller",
        "Negotiation",
        "86000.00",
        14,
        "Bestandskunde",
        "Einkauf: Rabatt besprechen",
    ),
    ("Schulungen 2026", 1, "Sabine Koch", "Won", "7600.00", -5, "Bestandskunde", ""),
    (
        "Lagerverwaltung",
        2,
        "Lena Hoffmann",
        "Needs analysis",
        "42000.00",
        45,
        "Website",
        "Workshop planen",
    ),
    ("Fuhrparkportal", 2, "Tobias Wagner", "Lost", "12500.00", -10, "Kaltakquise", ""),
    ("Praxissoftware", 3, "Claudia Weber", "Qualification", "6400.00", 60, "Telefon", ""),
    (
        "Monitoring Solarparks",
        4,
        "Henrik Hansen",
        "Proposal",
        "23800.00",
        30,
        "Bestandskunde",
        "Technik-Call mit Hr. Hansen",
    ),
    ("EU-Rollout", 6, "Sophie de Vries", "Needs analysis", "54000.00", 90, "Partner", ""),
    ("Prozessberatung", 7, "Lukas Gruber", "Qualification", "9600.00", 40, "Website", ""),
]
STAGE_PATH = ["Qualification", "Needs analysis", "Proposal", "Negotiation"]

# number, organization index, gross, paid, days since the invoice date, dunning level
INVOICES = [
    ("RE-2026-1041", 1, "11305.00", "11305.00", 75, 0),
    ("RE-2026-1102", 1, "4760.00", "0.00", 45, 1),
    ("RE-2026-1187", 1, "2380.00", "1000.00", 10, 0),
    ("RE-2026-1093", 0, "1773.10", "0.00", 40, 2),
    ("RE-2026-1160", 4, "8925.00", "8925.00", 20, 0),
]


def _erp_user() -> AbstractBaseUser:
    """The account the ERP sync writes orders and invoices with."""
    user, created = get_user_model().objects.get_or_create(
        username="erp", defaults={"first_name": "ERP", "last_name": "Schnittstelle"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.kontor_roles.add(Role.objects.get(slug="administrator"))
    return user


def load_sales(
    *,
    team: Sequence[AbstractBaseUser],
    contacts: Sequence[Contact],
    organizations: Sequence[Organization],
) -> dict[str, int]:
    rep = team[0]
    erp = _erp_user()
    pipeline = Pipeline.objects.get(name="New business")
    stages = {str(stage.name): stage for stage in pipeline.stages.all()}
    services.pipeline_create(
        actor=erp,
        data={
            "name": "Wartungsverträge",
            "stages": [
                {"name": "Anfrage", "probability": 20, "kind": "open"},
                {"name": "Angebot versendet", "probability": 60, "kind": "open"},
                {"name": "Unterschrieben", "probability": 100, "kind": "won"},
                {"name": "Abgesagt", "probability": 0, "kind": "lost"},
            ],
        },
    )
    products = {
        sku: services.product_create(
            actor=erp,
            data={
                "sku": sku,
                "name": name,
                "unit": unit,
                "net_price": price,
                "tax_rate": rate,
                "description": description,
                "source": "erp",
            },
        )
        for sku, name, unit, price, rate, description in PRODUCTS
    }
    key_accounts = PriceList.objects.create(
        name="Key Accounts 2026", customer_group="Key Account", currency="EUR"
    )
    PriceListItem.objects.create(
        price_list=key_accounts, product=products["BER-H"], net_price="105.00"
    )
    by_name = {f"{c.first_name} {c.last_name}": c for c in contacts}
    today = timezone.localdate()
    deals = {}
    for title, org_index, person, stage, amount, days, source, next_step in DEALS:
        deal = services.deal_create(
            actor=rep,
            data={"title": title, "organization_id": organizations[org_index].pk,
                  "contact_id": by_name[person].pk, "amount": amount,
                  "expected_close_date": today + datetime.timedelta(days=days),
                  "source": source, "next_step": next_step},
        )  # fmt: skip
        path = STAGE_PATH[: STAGE_PATH.index(stage) + 1] if stage in STAGE_PATH else STAGE_PATH[:3]
        for step in path[1:]:
            deal = services.deal_move(actor=rep, deal=deal, stage=stages[step])
        if stage in ("Won", "Lost"):
            reason = "Preis zu hoch; Wettbewerber 15 % günstiger" if stage == "Lost" else None
            deal = services.deal_move(actor=rep, deal=deal, stage=stages[stage], lost_reason=reason)
        deals[title] = deal

    quotes = 0
    ovens = services.quote_create(
        actor=rep,
        data={"deal_id": deals["Wartungsvertrag Öfen"].pk,
              "customer_address": "Backstraße 5\n10115 Berlin",
              "introduction": "Sehr geehrte Frau Schulze,\nwie besprochen bieten wir Ihnen an:",
              "terms": "Laufzeit 24 Monate. Zahlbar innerhalb von 14 Tagen netto.",
              "lines": [{"product_id": products["WAR-M"].pk, "quantity": "24"}]},
    )  # fmt: skip
    services.quote_set_status(actor=rep, quote=ovens, status="sent")
    quotes += 1
    line4 = services.quote_create(
        actor=rep,
        data={"deal_id": deals["Linie 4 Automatisierung"].pk,
              "customer_address": "Industriestraße 12\n70565 Stuttgart",
              "lines": [
                  {"product_id": products["BER-H"].pk, "quantity": "120"},
                  {"product_id": products["INS-P"].pk, "quantity": "1"},
                  {"product_id": products["LIZ-J"].pk, "quantity": "40",
                   "discount_percent": "10"},
                  {"description": "Steuerungsmodule Linie 4", "quantity": "8",
                   "unit_price": "7250.00", "tax_rate": "19"},
              ]},
    )  # fmt: skip
    quotes += 1
    trainings = services.quote_create(
        actor=rep,
        data={"deal_id": deals["Schulungen 2026"].pk,
              "customer_address": "Industriestraße 12\n70565 Stuttgart",
              "lines": [{"product_id": products["SCH-T"].pk, "quantity": "8"},
                        {"product_id": products["HB-01"].pk, "quantity": "8"}]},
    )  # fmt: skip
    services.quote_set_status(actor=rep, quote=trainings, status="sent")
    order = services.quote_accept(actor=rep, quote=trainings)
    quotes += 1
    erp_order = services.order_create(
        actor=erp,
        data={"number": "AB-77812", "source": "erp", "organization_id": organizations[4].pk,
              "status": "delivered",
              "lines": [{"product_id": products["WAR-M"].pk, "quantity": "12"}]},
    )  # fmt: skip
    for number, org_index, gross, paid, age, dunning in INVOICES:
        date = today - datetime.timedelta(days=age)
        services.invoice_create(
            actor=erp,
            data={"number": number, "source": "erp",
                  "organization_id": organizations[org_index].pk,
                  "order_id": erp_order.pk if org_index == 4 else None,
                  "invoice_date": date, "due_date": date + datetime.timedelta(days=14),
                  "gross_amount": gross, "amount_paid": paid, "dunning_level": dunning,
                  "status": "paid" if paid == gross else "open"},
        )  # fmt: skip
    del line4, order
    return {
        "deals": len(deals),
        "products": len(products),
        "quotes": quotes,
        "orders": 2,
        "invoices": len(INVOICES),
    }


def summary(counts: dict[str, Any]) -> str:
    return (
        f"{counts['deals']} deals, {counts['products']} products, {counts['quotes']} quotes, "
        f"{counts['orders']} orders and {counts['invoices']} invoices"
    )
