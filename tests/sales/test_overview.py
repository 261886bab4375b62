"""The 360° view shows a customer's open deals, latest quotes, open orders
and open payments, in as many queries for a long sales history as for a
short one; payment data only to roles that may read financial data."""

import datetime

import pytest
from django.utils import timezone

from kontor.sales import services
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.query_counts import CaptureWorkQueries
from tests.sales.conftest import sent_quote


def _invoice(user, organization, number, gross, paid="0", due_in=14, currency="EUR"):
    today = timezone.localdate()
    return services.invoice_create(
        actor=user,
        data={"number": number, "organization_id": organization.pk, "gross_amount": gross,
              "amount_paid": paid, "currency": currency,
              "invoice_date": today - datetime.timedelta(days=30),
              "due_date": today + datetime.timedelta(days=due_in), "source": "erp"},
    )  # fmt: skip


def test_the_organization_overview_fills_deals_quotes_orders_and_open_payments(
    api, user, organization, contact, deal, product, stages
):
    won = services.deal_create(
        actor=user,
        data={"title": "Done", "organization_id": organization.pk, "stage_id": stages["Won"].pk},
    )
    quote = sent_quote(user, deal, product)
    order = services.quote_accept(actor=user, quote=quote)
    _invoice(user, organization, "RE-1", "1000.00", paid="400.00", due_in=-10)
    _invoice(user, organization, "RE-2", "250.50", due_in=5)
    _invoice(user, organization, "RE-3", "99.00", paid="99.00", due_in=-20)  # paid

    view = api.get(f"/api/v1/organizations/{organization.pk}/overview").json()

    # Accepting the quote won the deal: only open deals are listed.
    assert [d["id"] for d in view["deals"]] == []
    assert won.status == "won"
    open_deal = services.deal_create(
        actor=user, data={"title": "Next", "contact_id": contact.pk, "amount": "500"}
    )
    view = api.get(f"/api/v1/organizations/{organization.pk}/overview").json()
    [listed] = view["deals"]
    assert listed["id"] == str(open_deal.pk)
    assert listed["stage"] == "Qualification" and listed["amount"] == "500.00"
    assert [q["number"] for q in view["quotes"]] == [quote.number]
    assert [o["number"] for o in view["orders"]] == [order.number]
    assert view["open_payments"] == [
        {
            "currency": "EUR",
            "open_total": "850.50",
            "overdue_total": "600.00",
            "oldest_due_date": str(timezone.localdate() - datetime.timedelta(days=10)),
            "invoices": 2,
        }
    ]
    contact_view = api.get(f"/api/v1/contacts/{contact.pk}/overview").json()
    assert [d["id"] for d in contact_view["deals"]] == [str(open_deal.pk)]


def test_open_payments_are_hidden_from_roles_without_financial_access(user, organization):
    _invoice(user, organization, "RE-9", "71717.17", due_in=-3)
    service = UserFactory(username="agent", roles=["service"])
    client = api_client_for(service)
    view = client.get(f"/api/v1/organizations/{organization.pk}/overview")
    assert view.status_code == 200
    assert view.json()["open_payments"] == []
    assert "71717" not in view.content.decode()
    assert client.get(f"/api/v1/organizations/{organization.pk}/open-payments").status_code == 403
    invoices = client.get("/api/v1/invoices").json()["items"]
    assert invoices and "gross_amount" not in invoices[0] and "status" not in invoices[0]


def test_the_open_payments_endpoint_lists_the_unpaid_invoices(api, user, organization):
    _invoice(user, organization, "RE-1", "1000.00", paid="400.00", due_in=-10)
    _invoice(user, organization, "RE-2", "20.00", currency="CHF")
    answer = api.get(f"/api/v1/organizations/{organization.pk}/open-payments").json()
    assert (answer["currency"], answer["open_total"], answer["overdue_total"]) == (
        "EUR", "600.00", "600.00",
    )  # fmt: skip
    assert [i["number"] for i in answer["invoices"]] == ["RE-1"]
    assert answer["invoices"][0]["overdue"] is True
    swiss = api.get(f"/api/v1/organizations/{organization.pk}/open-payments?currency=CHF").json()
    assert swiss["open_total"] == "20.00" and swiss["overdue_total"] == "0.00"


def _sales_history(user, organization, contact, product, size: int) -> None:
    for index in range(size):
        deal = services.deal_create(
            actor=user,
            data={"title": f"Deal {index}", "organization_id": organization.pk,
                  "contact_id": contact.pk, "amount": "100"},
        )  # fmt: skip
        services.quote_create(
            actor=user,
            data={"deal_id": deal.pk, "lines": [{"product_id": product.pk, "quantity": "1"}]},
        )
        services.order_create(actor=user, data={"organization_id": organization.pk})
        _invoice(user, organization, f"RE-{size}-{index}", "10.00", due_in=index - 3)


@pytest.mark.parametrize("kind", ["contact", "organization"])
def test_the_overview_needs_as_many_queries_for_a_long_sales_history(api, user, product, kind):
    from tests.factories import ContactFactory, OrganizationFactory

    counts = {}
    for size in (1, 12):
        organization = OrganizationFactory(name=f"Org {size}", owner=user)
        contact = ContactFactory(first_name=f"P{size}", organization_id=organization.pk, owner=user)
        _sales_history(user, organization, contact, product, size)
        record = contact if kind == "contact" else organization
        url = f"/api/v1/{kind}s/{record.pk}/overview"
        api.get(url)
        with CaptureWorkQueries() as queries:
            response = api.get(url)
        assert response.status_code == 200
        assert len(response.json()["deals"]) == min(size, 10)
        counts[size] = len(queries.work)
    assert counts[1] == counts[12]


@pytest.mark.parametrize("amount", ["-74230744886076269747718158247002112", "-100000000000000"])
def test_an_invoice_amount_beyond_the_limit_below_zero_is_refused_not_a_server_error(
    api, organization, amount
):
    answer = api.post(
        "/api/v1/invoices",
        {"number": "RE-9", "organization_id": str(organization.pk), "gross_amount": amount},
    )

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "gross_amount"]
