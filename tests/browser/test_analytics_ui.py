"""The Dashboards in a real browser: charts, tables and the filter form,
without errors in the console (no script, nothing against the CSP)."""

import pytest
from playwright.sync_api import expect

from kontor.analytics.rollup import rebuild
from tests.analytics.conftest import world  # noqa: F401 (the generated data)
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_sales_manager_reads_the_dashboards(page, world):  # noqa: F811
    rebuild()
    log_in(page, "chief")
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="Deals")).to_be_visible()
    page.screenshot(path="test-artifacts/analytics-pipeline.png", full_page=True)

    page.get_by_role("link", name="Activities", exact=True).click()
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("Until").fill("2026-06-15")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activities")
    expect(page.locator("svg.chart polyline").first).to_be_visible()
    page.screenshot(path="test-artifacts/analytics-activities.png", full_page=True)

    page.get_by_role("link", name="Open payments").click()
    expect(page.get_by_role("rowheader", name="over 90 days")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "payments.csv"
    page.screenshot(path="test-artifacts/analytics-payments.png", full_page=True)
