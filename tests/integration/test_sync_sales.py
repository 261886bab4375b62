"""The ERP sync of products, orders and invoices: idempotent upserts by
external id, batches with mixed valid and invalid records, references by
external id (customers, orders, products in order lines), fields the ERP
maintains read-only in Kontor, and deletes that archive."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kontor.audit.models import AuditEntry
from kontor.core.exceptions import FieldErrors
from kontor.events.models import OutboxEvent
from kontor.integration.sync.services import sync_records
from kontor.sales.models import Invoice, Order, Product
from kontor.sales.services import invoice_create
from kontor.sources.models import ExternalRecord
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACME = {"name": "ACME GmbH", "website": "https://acme.example"}
PRODUCT = {
    "sku": "CONS-H",
    "name": "Beratung",
    "description": "Eine Stunde Beratung",
    "unit": "h",
    "net_price": "120.00",
    "currency": "EUR",
    "tax_rate": "19",
    "active": True,
}
ORDER = {
    "number": "SO-4711",
    "status": "open",
    "order_date": "2026-03-02",
    "currency": "EUR",
    "organization_external_id": "O-1",
    "lines": [
        {"product_external_id": "P-1", "quantity": "2"},
        {"description": "Anfahrt", "quantity": "1", "unit_price": "50", "tax_rate": "19"},
    ],
}
INVOICE = {
    "number": "RE-1001",
    "invoice_date": "2026-03-05",
    "due_date": "2026-03-19",
    "currency": "EUR",
    "gross_amount": "345.10",
    "amount_paid": "0",
    "dunning_level": 0,
    "status": "open",
    "organization_external_id": "O-1",
    "order_external_id": "SO-4711",
}


@pytest.fixture
def erp(db):
    return api_client_for(UserFactory(username="erp", roles=["administrator"]))


def put(client, kind, external_id, body, source="sap"):
    return client.put(
        f"/api/v1/sync/{kind}/{source}/{external_id}",
        json.dumps(body),
        content_type="application/json",
    )


def batch(client, kind, records, source="sap"):
    return client.post(f"/api/v1/sync/{kind}/{source}/batch", records)


@pytest.fixture
def synced(erp):
    """An organization, a product, an order of both and its invoice, from SAP."""
    ids = {
        "organization": put(erp, "organizations", "O-1", ACME).json()["id"],
        "product": put(erp, "products", "P-1", PRODUCT).json()["id"],
    }
    order = put(erp, "orders", "SO-4711", ORDER)
    assert order.status_code == 201, order.content
    ids["order"] = order.json()["id"]
    invoice = put(erp, "invoices", "RE-1001", INVOICE)
    assert invoice.status_code == 201, invoice.content
    ids["invoice"] = invoice.json()["id"]
    return ids


@pytest.mark.parametrize(
    ("kind", "external_id", "body"),
    [("products", "P-1", PRODUCT), ("orders", "SO-4711", ORDER), ("invoices", "RE-1001", INVOICE)],
)
def test_the_same_body_twice_changes_nothing(erp, synced, kind, external_id, body):
    model = {"products": Product, "orders": Order, "invoices": Invoice}[kind]
    record = model.objects.get(pk=synced[kind[:-1]])
    writes = (AuditEntry.objects.count(), record.version)
    again = put(erp, kind, external_id, body)
    assert again.status_code == 200, again.content
    assert again.json() == {"external_id": external_id, "id": str(record.pk),
                            "status": "unchanged", "errors": {}}  # fmt: skip
    record.refresh_from_db()
    assert (AuditEntry.objects.count(), record.version) == writes
    assert model.objects.count() == 1


def test_synced_records_keep_the_erps_values_and_source(synced):
    order = Order.objects.get(pk=synced["order"])
    assert (order.number, order.source, str(order.organization_id)) == (
        "SO-4711", "sap", synced["organization"],
    )  # fmt: skip
    lines = list(order.lines.all())
    assert [str(line.product_id) if line.product_id else None for line in lines] == [
        synced["product"], None,
    ]  # fmt: skip
    assert [line.description for line in lines] == ["Beratung", "Anfahrt"]
    assert str(order.gross_total) == "345.10"
    invoice = Invoice.objects.get(pk=synced["invoice"])
    assert (invoice.source, str(invoice.order_id), str(invoice.organization_id)) == (
        "sap", synced["order"], synced["organization"],
    )  # fmt: skip
    assert Product.objects.get(pk=synced["product"]).source == "sap"


def test_a_changed_invoice_is_updated(erp, synced):
    changed = put(
        erp, "invoices", "RE-1001", {**INVOICE, "amount_paid": "345.10", "status": "paid"}
    )
    assert changed.json()["status"] == "updated"
    invoice = Invoice.objects.get(pk=synced["invoice"])
    assert (invoice.status, invoice.version) == ("paid", 2)


def test_a_batch_of_invoices_stores_the_valid_ones_and_reports_each(erp, synced):
    records = [
        {"external_id": "RE-1", **INVOICE, "number": "RE-1"},
        {"external_id": "RE-2", **INVOICE, "number": "RE-2", "gross_amount": "a lot"},
        {"external_id": "RE-3", **INVOICE, "number": "RE-3", "organization_external_id": "O-404"},
        {"external_id": "RE-4", **INVOICE, "number": "RE-1001"},  # taken by the fixture's
        {"external_id": "RE-5", **INVOICE, "number": "RE-5", "due_date": "2026-01-01"},
        {"external_id": "RE-6", **INVOICE, "number": "RE-1"},  # taken within the batch
        {"external_id": "RE-7", **INVOICE, "number": "RE-7", "order_external_id": "SO-404"},
        {"external_id": "RE-8", **INVOICE, "number": "RE-8", "payment_terms": "30 days"},
        {"external_id": "RE-9", **INVOICE, "number": "RE-9", "order_external_id": None},
    ]
    response = batch(erp, "invoices", records)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created", "error", "error", "error", "error", "error", "error", "error", "created",
    ]  # fmt: skip
    assert list(results[1]["errors"]) == ["gross_amount"]
    assert list(results[2]["errors"]) == ["organization_external_id"]
    assert results[3]["errors"] == {"number": ["is taken by another invoice"]}
    assert list(results[4]["errors"]) == ["due_date"]
    assert results[5]["errors"] == {"number": ["is taken by another invoice"]}
    assert list(results[6]["errors"]) == ["order_external_id"]
    assert list(results[7]["errors"]) == ["payment_terms"]
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["RE-1", "RE-1001", "RE-9"]
    assert Invoice.objects.get(number="RE-9").order_id is None
    created = results[0]["id"]
    assert AuditEntry.objects.filter(object_id=created, action="create").count() == 1
    assert ExternalRecord.objects.get(record_type="invoice", external_id="RE-1").record_id == (
        created
    )
    again = batch(erp, "invoices", [records[0], records[8]]).json()
    assert again["counts"] == {"unchanged": 2}


def test_a_batch_of_invoices_is_checked_as_one_invoice_is(erp, synced):
    """The batch's many-at-once path refuses what invoice_create refuses,
    with the same errors."""
    bad = {**INVOICE, "number": "RE-X", "currency": "EURO", "dunning_level": 11}
    bad.pop("order_external_id")
    results = batch(erp, "invoices", [{"external_id": "X", **bad}]).json()["results"]
    data = {k: v for k, v in bad.items() if not k.endswith("_external_id")}
    data["organization_id"] = synced["organization"]
    with pytest.raises(FieldErrors) as refused:
        invoice_create(actor=UserFactory(roles=["administrator"]), data=data)
    assert results[0]["errors"] == refused.value.errors


def test_new_invoices_are_written_in_a_few_queries_whatever_their_number(erp, synced):
    actor = UserFactory(roles=["administrator"])
    counts = []
    for size in (5, 10, 40):  # the first reads the actor's roles once
        records = [
            {"external_id": f"N{size}-{n}", **INVOICE, "number": f"N{size}-{n}"}
            for n in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            results = sync_records(actor=actor, kind="invoices", source="sap", records=records)
        assert {r["status"] for r in results} == {"created"}
        counts.append(len(queries))
        created = OutboxEvent.objects.filter(
            name="invoice.created", record_id__in=[r["id"] for r in results]
        )
        assert created.count() == size  # each new invoice is announced, in the same INSERTs
    assert counts[1] == counts[2]


def test_orders_name_customers_and_products_by_their_external_ids(erp, synced):
    put(erp, "contacts", "C-1", {"first_name": "Ada", "organization_external_id": "O-1"})
    response = batch(
        erp,
        "orders",
        [
            {"external_id": "SO-1", **ORDER, "number": "SO-1", "contact_external_id": "C-1"},
            {"external_id": "SO-2", **ORDER, "number": "SO-2", "contact_external_id": "C-404"},
            {
                "external_id": "SO-3",
                **ORDER,
                "number": "SO-3",
                "lines": [{"product_external_id": "P-404", "quantity": "1"}],
            },
        ],
    )
    first, second, third = response.json()["results"]
    assert first["status"] == "created"
    order = Order.objects.get(pk=first["id"])
    assert (
        order.contact.first_name == "Ada" and str(order.organization_id) == synced["organization"]
    )
    assert list(second["errors"]) == ["contact_external_id"]
    assert list(third["errors"]) == ["lines[0].product_external_id"]


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [("products", "name", "Renamed"), ("orders", "status", "delivered"),
     ("invoices", "dunning_level", 2)],
)  # fmt: skip
def test_fields_the_erp_delivers_are_read_only_in_kontor(erp, synced, user, kind, field, value):
    client = api_client_for(user)
    url = f"/api/v1/{kind}/{synced[kind[:-1]]}"
    response = client.patch(url, {field: value})
    assert response.status_code == 422, response.content
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert "maintained in SAP" in error["msg"]
    # Sending the ERP's value unchanged is fine.
    current = client.get(url).json()[field]
    assert client.patch(url, {field: current}).status_code == 200


def test_an_order_line_change_is_refused_but_kontors_own_fields_stay_editable(erp, synced, user):
    client = api_client_for(user)
    url = f"/api/v1/orders/{synced['order']}"
    lines = [{"description": "Gratis", "quantity": "1", "unit_price": "0", "tax_rate": "19"}]
    response = client.patch(url, {"lines": lines})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "lines"]
    # The owner is Kontor's: the ERP does not deliver it.
    assert client.patch(url, {"owner_id": user.pk}).status_code == 200


@pytest.mark.parametrize("kind", ["products", "orders", "invoices"])
def test_a_delete_archives_and_keeps_the_history(erp, synced, user, kind):
    external_id = {"products": "P-1", "orders": "SO-4711", "invoices": "RE-1001"}[kind]
    body = {"products": PRODUCT, "orders": ORDER, "invoices": INVOICE}[kind]
    record_id = synced[kind[:-1]]
    response = erp.delete(f"/api/v1/sync/{kind}/sap/{external_id}")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    client = api_client_for(user)
    assert client.get(f"/api/v1/{kind}").json()["items"] == []
    answer = client.get(f"/api/v1/{kind}/{record_id}")
    assert answer.status_code == 200 and answer.json()["archived_at"] is not None
    assert AuditEntry.objects.filter(object_id=record_id).exclude(action="read").count() == 2
    assert erp.delete(f"/api/v1/sync/{kind}/sap/{external_id}").json()["status"] == "unchanged"
    events = OutboxEvent.objects.filter(record_id=record_id).order_by("id")
    assert [e.name for e in events][-1] == f"{kind[:-1]}.archived"
    assert erp.delete(f"/api/v1/sync/{kind}/sap/nope").status_code == 404
    # Sent again, it is back.
    assert put(erp, kind, external_id, body).json()["status"] == "updated"
    assert client.get(f"/api/v1/{kind}/{record_id}").json()["archived_at"] is None
    assert events.last().name == f"{kind[:-1]}.updated"
    assert [item["id"] for item in client.get(f"/api/v1/{kind}").json()["items"]] == [record_id]


def test_archived_records_leave_the_picker_the_360_view_and_open_payments(erp, synced, user):
    browser = Client()
    browser.force_login(user)
    overview = f"/api/v1/organizations/{synced['organization']}/overview"
    before = api_client_for(user).get(overview).json()
    assert json.dumps(before).count("SO-4711") and json.dumps(before).count("345.10")
    assert "CONS-H" in browser.get("/sales/quotes/new/").content.decode()
    for kind, external_id in (("products", "P-1"), ("orders", "SO-4711"),
                              ("invoices", "RE-1001")):  # fmt: skip
        erp.delete(f"/api/v1/sync/{kind}/sap/{external_id}")
    after = json.dumps(api_client_for(user).get(overview).json())
    assert "SO-4711" not in after and "345.10" not in after
    assert "CONS-H" not in browser.get("/sales/quotes/new/").content.decode()
    # Nor does the API take it on a new quote line.
    refused = api_client_for(user).post(
        "/api/v1/quotes",
        {"organization_id": synced["organization"],
         "lines": [{"product_id": synced["product"], "quantity": "1"}]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "archived" in json.dumps(refused.json())
    assert "RE-1001" not in browser.get("/sales/invoices/").content.decode()
    # Still readable by id, its page says it is archived.
    page = browser.get(f"/sales/invoices/{synced['invoice']}/").content.decode()
    assert "RE-1001" in page and "Archived" in page


def test_the_pages_say_where_a_field_is_maintained(synced, user):
    browser = Client()
    browser.force_login(user)
    product_url = f"/sales/products/{synced['product']}/"
    page = browser.get(product_url).content.decode()
    assert "Maintained in SAP; change it there." in page
    form = {"sku": "OTHER", "name": "Renamed", "net_price": "1", "tax_rate": "7",
            "version": 1}  # fmt: skip
    assert browser.post(product_url, form).status_code == 302
    product = Product.objects.get(pk=synced["product"])
    assert (product.sku, product.name, product.net_price) == ("CONS-H", "Beratung", 120)
    for kind in ("order", "invoice"):
        page = browser.get(f"/sales/{kind}s/{synced[kind]}/").content.decode()
        assert "Maintained in SAP; change it there." in page
    # The order's status is the ERP's: its page offers no status form.
    assert 'name="status"' not in browser.get(f"/sales/orders/{synced['order']}/").content.decode()
    made_here = Order.objects.create(
        number="K-1", order_date="2026-03-01", currency="EUR", customer_name="ACME"
    )
    assert 'name="status"' in browser.get(f"/sales/orders/{made_here.pk}/").content.decode()


def test_only_a_role_that_reaches_every_record_syncs_sales(db):
    service = api_client_for(UserFactory(roles=["service"]))
    assert put(service, "products", "P-1", PRODUCT).status_code == 403
    sales = api_client_for(UserFactory(roles=["sales"]))
    assert put(sales, "invoices", "RE-1", INVOICE).status_code == 403
