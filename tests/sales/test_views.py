"""The sales pages: board, forecast, deal page, quote form, lists, and what
each role sees and may do there."""

import pytest
from django.urls import reverse

from kontor.sales import services
from kontor.sales.models import Deal, Product, Quote
from tests.factories import UserFactory
from tests.sales.conftest import sent_quote


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_board_shows_a_column_per_stage_with_count_and_sums(logged_in, deal, pipeline):
    response = logged_in.get(reverse("sales-board", args=[pipeline.pk]))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [str(c.stage) for c in columns] == [
        "Qualification", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost",
    ]  # fmt: skip
    first = columns[0]
    assert first.count == 1 and str(first.totals["EUR"]) == "12000.00"
    assert str(first.weighted["EUR"]) == "1200.00"
    assert b"Rollout 2026" in response.content


def test_the_board_filters_by_owner_and_close_month(logged_in, deal, pipeline, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = False  # a colleague's board: see test_works_council_routes
    other = UserFactory(username="other-rep")
    url = reverse("sales-board", args=[pipeline.pk])
    assert logged_in.get(url, {"owner": other.pk}).context["columns"][0].count == 0
    assert logged_in.get(url, {"close_month": "2020-01"}).context["columns"][0].count == 0


def test_moving_a_card_without_javascript_keeps_the_history(logged_in, deal, stages):
    url = reverse("deal-move", args=[deal.pk])
    response = logged_in.post(url, {"stage": stages["Proposal"].pk, "version": 1})
    assert response.status_code == 302
    assert Deal.objects.get().stage == stages["Proposal"]
    stale = logged_in.post(url, {"stage": stages["Negotiation"].pk, "version": 1}, follow=True)
    assert "changed this deal meanwhile" in stale.content.decode()
    assert Deal.objects.get().stage == stages["Proposal"]


def test_the_forecast_sums_weighted_amounts_by_month(logged_in, deal, pipeline, settings):
    services.deal_update(actor=deal.owner, deal=deal, data={"expected_close_date": "2026-09-15"})
    response = logged_in.get(reverse("sales-forecast", args=[pipeline.pk]))
    [row] = response.context["rows"]
    assert (row.month.month, str(row.total), str(row.weighted)) == (9, "12000.00", "1200.00")


def test_works_council_mode_shows_no_forecast_for_a_small_team(logged_in, deal, pipeline, settings):
    from kontor.access.models import Team

    settings.KONTOR_WORKS_COUNCIL_MODE = True
    team = Team.objects.create(name="Two people")
    team.members.add(deal.owner)
    response = logged_in.get(reverse("sales-forecast", args=[pipeline.pk]), {"team": team.pk})
    assert response.context["too_small"] and response.context["rows"] == []
    assert "owner" not in response.context["filters"].fields


def test_the_deal_page_is_its_own_360(logged_in, user, deal, product):
    from kontor.activities.services import activity_create

    activity_create(actor=user, data={"kind": "note", "body": "Budget ok", "deal_id": deal.pk})
    services.quote_create(actor=user, data={"deal_id": deal.pk})
    response = logged_in.get(deal.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Budget ok" in content and "Q-" in content and "Sabine Koch" in content
    assert len(response.context["history"]) == 1


def test_a_quote_is_made_from_the_form_with_german_decimals(logged_in, deal, product):
    data = {
        "deal_id": deal.pk, "organization": "Müller & Söhne KG", "rows": 2,
        "line-0-product": product.pk, "line-0-quantity": "1,5", "line-0-discount_percent": "",
        "line-1-description": "Anfahrt", "line-1-quantity": "1", "line-1-unit_price": "1.234,50",
        "line-1-tax_rate": "19",
    }  # fmt: skip
    response = logged_in.post(reverse("quote-create"), data)
    assert response.status_code == 302, response.context["form"].errors
    quote = Quote.objects.get()
    assert [str(line.net_amount) for line in quote.lines.all()] == ["180.00", "1234.50"]


def test_a_bad_line_comes_back_next_to_its_field(logged_in, deal):
    data = {"deal_id": deal.pk, "organization": "Müller & Söhne KG", "rows": 1,
            "line-0-description": "Frei", "line-0-quantity": "-2", "line-0-unit_price": "5",
            "line-0-tax_rate": "19"}  # fmt: skip
    response = logged_in.post(reverse("quote-create"), data)
    assert response.status_code == 200
    line = response.context["lines"][0]
    assert "quantity" in line.errors
    assert Quote.objects.count() == 0


def test_accepting_on_the_quote_page_makes_the_order(logged_in, user, deal, product):
    quote = sent_quote(user, deal, product)
    response = logged_in.post(
        reverse("quote-status", args=[quote.pk]), {"status": "accepted", "version": quote.version}
    )
    assert response.status_code == 302
    assert "/sales/orders/" in response["Location"]


def test_a_sales_rep_reads_products_but_does_not_change_them(client, product):
    rep = UserFactory(username="rep-products", roles=["sales"])
    client.force_login(rep)
    listed = client.get(reverse("product-list"))
    assert listed.status_code == 200 and b"CONS-H" in listed.content
    assert client.get(reverse("product-create")).status_code == 403
    assert client.get(reverse("product-edit", args=[product.pk])).status_code == 403
    assert Product.objects.count() == 1


def test_roles_without_financial_access_see_no_payments(client, user, organization):
    services.invoice_create(
        actor=user,
        data={"number": "RE-7", "organization_id": organization.pk, "gross_amount": "71717.17"},
    )
    agent = UserFactory(username="agent-views", roles=["service"])
    client.force_login(agent)
    for url in (reverse("invoice-list"), organization.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert (
            "71717" not in response.content.decode() and "71.717" not in response.content.decode()
        )


def test_a_deal_of_another_team_is_not_found(client, deal):
    stranger = UserFactory(username="stranger-views", roles=["sales"], teams=["Elsewhere"])
    client.force_login(stranger)
    assert client.get(deal.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("deal-move", args=[deal.pk]), {"stage": deal.stage_id}).status_code
        == 404
    )
