"""``kontor generate --deals``: deals with their stage histories, quotes,
orders and invoices that are what the services would store."""

import pytest

from kontor.perf.generate import Scale, generate
from kontor.sales.lines import document_totals
from kontor.sales.models import Deal, DealStageChange, Invoice, Order, Quote, StageKind


@pytest.fixture
def generated(transactional_db):
    return generate(
        Scale(contacts=200, organizations=30, activities=0, deals=400, seed=5),
        lambda label, rows: None,
    )


def test_deals_come_in_realistic_proportions_with_their_documents(generated):
    assert Deal.objects.count() == 400
    open_share = Deal.objects.filter(status=StageKind.OPEN).count() / 400
    assert 0.45 < open_share < 0.75
    won = Deal.objects.filter(status=StageKind.WON).count()
    assert Quote.objects.filter(status="accepted").count() == won == Order.objects.count()
    assert Invoice.objects.count() == Order.objects.count()
    assert generated.counts["deals"] == 400


def test_each_deal_s_history_ends_in_its_stage(generated):
    for deal in Deal.objects.select_related("stage")[:100]:
        changes = list(DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id"))
        assert changes[0].from_stage_id is None
        assert changes[-1].to_stage_id == deal.stage_id
        assert deal.status == deal.stage.kind
        # The furthest stage, as the sales services keep it (the leads dashboard).
        reached = [c.to_stage for c in changes if c.to_stage.kind != "lost"]
        assert deal.furthest_stage == max(reached, key=lambda stage: stage.position)


def test_generated_totals_are_what_the_totals_function_computes(generated):
    for quote in Quote.objects.prefetch_related("lines")[:100]:
        computed = document_totals(quote)
        assert (quote.net_total, quote.gross_total) == (computed.net, computed.gross)
        assert [line.net_amount for line in quote.lines.all()] == list(computed.lines)


def test_new_quotes_continue_after_the_generated_numbers(generated, admin_user):
    from kontor.sales.services import quote_create

    last = Quote.objects.order_by("-number").values_list("number", flat=True).first()
    organization = Deal.objects.exclude(organization=None).first().organization
    quote = quote_create(actor=admin_user, data={"organization_id": organization.pk})
    assert quote.number > last


def test_the_benchmark_measures_the_board_and_the_deal_list_when_there_are_deals(generated):
    from kontor.perf.bench import run

    report = run(0.02, http=False, log=lambda message: None)

    assert {"board", "deal_list"} <= set(report["operations"])
    assert report["operations"]["board"]["samples"] > 0
    assert report["scale"]["deals"] == 400
