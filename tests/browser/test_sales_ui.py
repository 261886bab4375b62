"""Sales in a real browser: the board's drag and drop, and a quote from its
lines to its PDF."""

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kontor.sales import services
from kontor.sales.models import Deal, DealStageChange, Pipeline
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(rep):
    from tests.factories import ContactFactory, OrganizationFactory

    organization = OrganizationFactory(name="Nordlicht Logistik AG", owner=rep)
    ContactFactory(first_name="Lena", last_name="Hoffmann", organization_id=organization.pk,
                   owner=rep)  # fmt: skip
    return organization


def _column(page, name: str):
    return page.locator("[data-stage-column]").filter(has=page.get_by_role("heading", name=name))


def test_dragging_a_deal_to_the_next_stage_moves_it_and_its_sums(page, rep, customer):
    services.deal_create(
        actor=rep, data={"title": "Lagerverwaltung", "organization_id": customer.pk,
                         "amount": "42000"},
    )  # fmt: skip
    log_in(page)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Sales").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New business")
    qualification = _column(page, "Qualification")
    analysis = _column(page, "Needs analysis")
    expect(qualification.get_by_test_id("sum")).to_have_text("€42,000.00")
    expect(qualification.get_by_test_id("weighted")).to_have_text("€4,200.00")
    expect(analysis.get_by_test_id("sum")).to_have_text("€0.00")

    qualification.get_by_role("link", name="Lagerverwaltung").drag_to(analysis)

    expect(analysis.get_by_test_id("sum")).to_have_text("€42,000.00")
    expect(analysis.get_by_test_id("weighted")).to_have_text("€10,500.00")
    expect(analysis.get_by_test_id("count")).to_have_text("1")
    expect(qualification.get_by_test_id("sum")).to_have_text("€0.00")
    deal = Deal.objects.get()
    assert deal.stage.name == "Needs analysis"
    assert DealStageChange.objects.filter(deal=deal).count() == 2
    page.screenshot(path="test-artifacts/sales-board.png", full_page=True)


def test_a_card_moved_by_a_colleague_meanwhile_shows_the_conflict(page, rep, customer):
    deal = services.deal_create(
        actor=rep, data={"title": "Fuhrpark", "organization_id": customer.pk}
    )
    log_in(page)
    page.goto(f"/sales/board/{deal.pipeline_id}/")
    stages = {s.name: s for s in Pipeline.objects.get().stages.all()}
    services.deal_move(actor=rep, deal=deal, stage=stages["Proposal"])  # a colleague, meanwhile

    _column(page, "Qualification").get_by_role("link", name="Fuhrpark").drag_to(
        _column(page, "Needs analysis")
    )

    expect(page.get_by_role("status")).to_contain_text("changed this deal meanwhile")
    assert Deal.objects.get().stage.name == "Proposal"


def test_a_card_moves_without_dragging_by_its_own_form(page, rep, customer):
    services.deal_create(actor=rep, data={"title": "Kassen", "organization_id": customer.pk})
    log_in(page)
    page.goto("/sales/")
    card = page.locator("[data-deal-card]").filter(has_text="Kassen")
    card.get_by_text("Move").first.click()
    card.get_by_label("To stage").select_option(label="Lost")
    card.get_by_role("button", name="Move").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Move “Kassen”")
    expect(page.get_by_role("alert")).to_contain_text("required when a deal is lost")
    page.get_by_label("Lost reason").fill("Kein Budget")
    page.get_by_role("button", name="Move").click()

    expect(_column(page, "Lost").get_by_test_id("count")).to_have_text("1")
    assert Deal.objects.get().lost_reason == "Kein Budget"


def test_a_quote_with_two_lines_is_made_and_its_pdf_downloaded(page, rep, customer):
    services.product_create(
        actor=rep,
        data={"sku": "BER-H", "name": "Beratung", "unit": "h", "net_price": "120",
              "tax_rate": "19"},
    )  # fmt: skip
    deal = services.deal_create(
        actor=rep, data={"title": "Workshop", "organization_id": customer.pk}
    )
    log_in(page)
    page.goto(deal.get_absolute_url())
    page.get_by_role("link", name="New quote").click()
    expect(page.get_by_label("Organization")).to_have_value("Nordlicht Logistik AG")
    page.get_by_label("Address").fill("Hafenstraße 1\n20457 Hamburg")
    lines = page.get_by_test_id("line")
    lines.nth(0).get_by_label("Product").select_option(label="BER-H · Beratung")
    lines.nth(0).get_by_label("Quantity").fill("2,5")
    lines.nth(1).get_by_label("Description").fill("Reisekosten pauschal")
    lines.nth(1).get_by_label("Quantity").fill("1")
    lines.nth(1).get_by_label("Unit price").fill("180")
    lines.nth(1).get_by_label("Tax rate (%)").fill("19")
    page.get_by_role("button", name="Create quote").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Quote Q-")
    expect(page.get_by_test_id("gross")).to_have_text("€571.20")
    page.screenshot(path="test-artifacts/sales-quote.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = PdfReader(download.path()).pages[0].extract_text()
    assert "Beratung" in text and "Reisekosten pauschal" in text
    assert "Hafenstraße 1" in text and "€571.20" in text


def test_a_quote_sent_from_its_page_shows_queued_then_delivered(page, rep, customer, settings):
    from django.core import mail

    from kontor.tasks.worker import run_until_empty

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quote = services.quote_create(actor=rep, data={"organization_id": customer.pk})
    log_in(page)
    page.goto(quote.get_absolute_url())
    page.get_by_role("textbox", name="To").fill("einkauf@nordlicht.example")
    page.get_by_role("button", name="Send with PDF").click()

    expect(page.get_by_role("status").first).to_contain_text("queued")
    expect(page.get_by_test_id("quote-email")).to_contain_text("queued")
    assert mail.outbox == []
    run_until_empty()  # the email, and the events' dispatch
    page.reload()
    expect(page.get_by_test_id("quote-email")).to_contain_text("delivered to the mail server")
    [message] = mail.outbox
    assert message.to == ["einkauf@nordlicht.example"]


def test_the_organization_page_shows_open_payments_before_the_next_call(page, rep, customer):
    services.invoice_create(
        actor=rep.__class__.objects.create_superuser("erp", "erp@kontor.example", "x"),
        data={"number": "RE-1", "organization_id": customer.pk, "gross_amount": "1190.00",
              "invoice_date": "2026-01-01", "due_date": "2026-01-15"},
    )  # fmt: skip
    log_in(page)
    page.goto(customer.get_absolute_url())
    payments = page.get_by_test_id("overview-payments")
    expect(payments.get_by_test_id("open-total")).to_have_text("€1,190.00")
    expect(payments.get_by_test_id("overdue-total")).to_have_text("€1,190.00")
