"""The contacts UI in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from kontor.contacts.models import Contact
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_contact_made_from_only_an_email_is_found_with_the_search_box(page, rep):
    log_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")

    page.get_by_role("link", name="New contact").click()
    page.get_by_label("Email address 1", exact=True).fill("jana.neu@example.com")
    page.get_by_role("button", name="Create contact").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("jana.neu@example.com")
    assert Contact.objects.get().display_name == "jana.neu@example.com"

    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("link", name="Contacts").click()
    page.get_by_role("searchbox", name="Search").fill("jana.neu")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/contacts/\?q=jana\.neu"))
    found = page.get_by_role("rowheader").get_by_role("link")
    expect(found).to_have_count(1)

    found.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("jana.neu@example.com")
    expect(page.get_by_role("link", name="jana.neu@example.com")).to_have_attribute(
        "href", "mailto:jana.neu@example.com"
    )


def test_a_bad_email_address_is_shown_next_to_its_field(page, rep):
    log_in(page)
    page.goto("/contacts/new/")

    page.get_by_label("Email address 1", exact=True).fill("jana at example.com")
    page.get_by_role("button", name="Create contact").click()

    field = page.get_by_label("Email address 1", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("@-sign"))
    expect(field).to_have_value("jana at example.com")
    assert Contact.objects.count() == 0


def test_the_language_switch_shows_german_labels(page, rep):
    log_in(page)

    page.get_by_text("User menu: Rita Rep").click()
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakte")
    expect(page.get_by_role("link", name="Neuer Kontakt")).to_be_visible()
    expect(page.get_by_role("link", name="Organisationen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_the_keyboard_reaches_the_skip_link_first(page, rep):
    log_in(page)

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
