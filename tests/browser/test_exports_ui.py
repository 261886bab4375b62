"""The export menu of the contact list in a real browser."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def test_the_export_menu_downloads_the_filtered_list(page, rep):
    ContactFactory(owner=rep, first_name="Jürgen", last_name="Kunde", lifecycle_stage="customer")
    ContactFactory(owner=rep, first_name="Ina", last_name="Interessentin", lifecycle_stage="lead")
    log_in(page)
    page.get_by_label("Lifecycle stage").select_option("customer")
    page.get_by_role("button", name="Search").click()

    page.get_by_text("Export", exact=True).click()
    menu = page.get_by_test_id("export-menu")
    expect(menu.get_by_role("link")).to_have_count(4)
    with page.expect_download() as download:
        menu.get_by_role("link", name="CSV (commas)").click()

    assert download.value.suggested_filename.endswith(".csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["first_name"], row["last_name"]) for row in rows] == [("Jürgen", "Kunde")]
