"""Quotes through the API: lines and totals, price lists, revisions of sent
quotes, accepting into an order, the PDF, and expiry."""

import datetime
import io

from django.utils import timezone
from pypdf import PdfReader

from kontor.sales import services
from kontor.sales.models import Order, PriceList, PriceListItem, Quote
from tests.sales.conftest import sent_quote


def _create(api, **body):
    response = api.post("/api/v1/quotes", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_quote_with_two_lines_has_exact_totals_per_tax_rate(api, deal, product, book):
    quote = _create(
        api,
        deal_id=str(deal.pk),
        lines=[
            {"product_id": str(product.pk), "quantity": "2.5", "discount_percent": "10"},
            {"product_id": str(book.pk), "quantity": "3"},
            {"description": "Anfahrt", "quantity": "1", "unit_price": "0.125", "tax_rate": "19"},
        ],
    )
    year = timezone.localdate().year
    assert quote["number"] == f"Q-{year}-00001"
    assert quote["status"] == "draft"
    assert quote["organization_id"] == str(deal.organization_id)
    assert quote["customer_name"] == "Müller & Söhne KG"
    assert [line["net_amount"] for line in quote["lines"]] == ["270.00", "119.70", "0.13"]
    assert quote["lines"][0]["description"] == "Beratung"
    assert quote["totals"] == {
        "net": "389.83",
        "tax": [{"rate": "7.00", "amount": "8.38"}, {"rate": "19.00", "amount": "51.32"}],
        "gross": "449.53",
    }
    assert _create(api, deal_id=str(deal.pk))["number"] == f"Q-{year}-00002"


def test_bad_lines_are_refused_naming_the_line_and_field(api, deal, product):
    response = api.post(
        "/api/v1/quotes",
        {"deal_id": str(deal.pk), "lines": [
            {"product_id": str(product.pk), "quantity": "-1"},
            {"description": "Frei", "quantity": "1.2345", "unit_price": "5"},
        ]},
    )  # fmt: skip
    assert response.status_code == 422
    fields = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert ("body", "lines", 0, "quantity") in fields
    assert ("body", "lines", 1, "quantity") in fields
    assert ("body", "lines", 1, "tax_rate") in fields
    assert Quote.objects.count() == 0


def test_a_product_in_another_currency_is_refused(api, user, deal):
    dollars = services.product_create(
        actor=user,
        data={"sku": "US-1", "name": "Import", "net_price": "10", "tax_rate": "19",
              "currency": "USD"},
    )  # fmt: skip
    response = api.post(
        "/api/v1/quotes",
        {"deal_id": str(deal.pk), "lines": [{"product_id": str(dollars.pk), "quantity": "1"}]},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "lines", 0, "product_id"]
    assert "one currency" in detail["msg"]


def test_a_quote_takes_the_price_list_of_its_customer_group_valid_today(
    api, user, deal, product, organization
):
    from kontor.contacts.services import organization_update

    organization_update(actor=user, organization=organization, data={"tags": ["Reseller"]})
    today = timezone.localdate()
    for name, group, start, price in [
        ("Everyone", "", today - datetime.timedelta(days=30), "110.00"),
        ("Resellers", "reseller", today - datetime.timedelta(days=10), "95.00"),
        ("Resellers next year", "reseller", today + datetime.timedelta(days=100), "80.00"),
    ]:
        price_list = PriceList.objects.create(
            name=name, customer_group=group, currency="EUR", valid_from=start
        )
        PriceListItem.objects.create(price_list=price_list, product=product, net_price=price)

    quote = _create(
        api, deal_id=str(deal.pk), lines=[{"product_id": str(product.pk), "quantity": "1"}]
    )
    assert quote["lines"][0]["unit_price"] == "95.0000"


def test_a_sent_quote_is_frozen_and_a_change_makes_a_revision(api, user, deal, product):
    quote = sent_quote(user, deal, product)
    response = api.patch(
        f"/api/v1/quotes/{quote.pk}",
        {"lines": [{"product_id": str(product.pk), "quantity": "12"}]},
    )
    assert response.status_code == 200, response.content
    revision = response.json()
    assert revision["id"] != str(quote.pk)
    assert revision["number"] == f"{quote.number}-2"
    assert revision["status"] == "draft"
    assert revision["totals"]["net"] == "1440.00"
    old = api.get(f"/api/v1/quotes/{quote.pk}").json()
    assert old["superseded_by_id"] == revision["id"]
    assert old["totals"]["net"] == "1200.00"  # unchanged
    again = api.patch(f"/api/v1/quotes/{quote.pk}", {"terms": "x"})
    assert again.status_code == 422  # change the latest revision instead


def test_accepting_a_sent_quote_makes_an_order_and_wins_the_deal(api, user, deal, product):
    quote = sent_quote(user, deal, product)
    response = api.post(f"/api/v1/quotes/{quote.pk}/accept")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["number"] == f"O-{timezone.localdate().year}-00001"
    assert order["quote_id"] == str(quote.pk)
    assert order["status"] == "open" and order["source"] == "kontor"
    assert order["totals"] == api.get(f"/api/v1/quotes/{quote.pk}").json()["totals"]
    assert api.get(f"/api/v1/quotes/{quote.pk}").json()["order_id"] == order["id"]
    assert api.get(f"/api/v1/deals/{deal.pk}").json()["status"] == "won"
    again = api.post(f"/api/v1/quotes/{quote.pk}/accept")
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert Order.objects.count() == 1


def test_a_draft_is_not_accepted(api, deal, product):
    quote = _create(api, deal_id=str(deal.pk))
    response = api.post(f"/api/v1/quotes/{quote['id']}/accept")
    assert response.status_code == 422
    assert "sent" in response.json()["detail"][0]["msg"]


def test_the_pdf_holds_the_number_customer_every_line_and_the_totals(api, deal, product, book):
    quote = _create(
        api,
        deal_id=str(deal.pk),
        customer_address="Königstraße 12\n70173 Stuttgart",
        lines=[
            {"product_id": str(product.pk), "quantity": "2.5"},
            {"product_id": str(book.pk), "quantity": "3", "description": "Handbuch „Größe“"},
        ],
    )
    response = api.get(f"/api/v1/quotes/{quote['id']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith(f'{quote["number"]}.pdf"')
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in [
        quote["number"],
        "Müller & Söhne KG",
        "Sabine Koch",
        "Königstraße 12",
        "Beratung",
        "Handbuch „Größe“",
        "€300.00",  # 2.5 h at 120.00
        "€119.70",
        "€419.70",  # net
        "€57.00",  # 19 % of 300.00
        "€8.38",  # 7 % of 119.70
        "€485.08",  # gross
    ]:
        assert expected in text, expected


def test_the_german_pdf_writes_amounts_the_german_way(api, deal, product):
    quote = _create(api, deal_id=str(deal.pk), lines=[{"product_id": str(product.pk),
                                                       "quantity": "10"}])  # fmt: skip
    response = api.get(f"/api/v1/quotes/{quote['id']}/pdf", headers={"Accept-Language": "de"})
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Angebot" in text
    assert "1.200,00 €" in text and "1.428,00 €" in text


def test_quotes_expire_by_themselves_after_their_date(user, deal, product):
    quote = sent_quote(user, deal, product)
    draft = services.quote_create(actor=user, data={"deal_id": deal.pk})
    day_after = datetime.datetime.combine(
        quote.valid_until + datetime.timedelta(days=1), datetime.time(1), tzinfo=datetime.UTC
    )
    on_the_day = day_after - datetime.timedelta(days=1)
    assert services.quotes_expire(now=on_the_day) == 0
    assert services.quotes_expire(now=day_after) == 1
    assert services.quotes_expire(now=day_after) == 0  # idempotent
    quote.refresh_from_db()
    draft.refresh_from_db()
    assert quote.status == "expired" and quote.version == 3
    assert draft.status == "draft"


def test_the_worker_expires_quotes_on_its_daily_schedule(user, deal, product):
    from django.utils import timezone

    from kontor.tasks.models import Schedule
    from kontor.tasks.schedules import fire_due_schedules
    from kontor.tasks.worker import run_until_empty

    quote = sent_quote(user, deal, product)
    type(quote).objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    Schedule.objects.update(next_run_at=timezone.now() + datetime.timedelta(days=1))
    Schedule.objects.filter(name="sales.expire_quotes").update(next_run_at=timezone.now())
    assert fire_due_schedules() == 1
    run_until_empty()
    quote.refresh_from_db()
    assert quote.status == "expired"


def test_a_declined_quote_can_not_be_accepted(api, user, deal, product):
    quote = sent_quote(user, deal, product)
    declined = api.patch(f"/api/v1/quotes/{quote.pk}", {"status": "declined"})
    assert declined.status_code == 200 and declined.json()["decided_at"]
    response = api.post(f"/api/v1/quotes/{quote.pk}/accept")
    assert response.status_code == 422
    assert api.patch(f"/api/v1/quotes/{quote.pk}", {"status": "draft"}).status_code == 422
