"""The clean-up queue in a real browser: the worst record first with its
reasons, from there to its edit form, and the score card on its page."""

import re

import pytest
from playwright.sync_api import expect

from kontor.dedupe.scan import scan_all
from kontor.quality.compute import rescore_all
from tests.browser.conftest import ARTIFACTS, log_in
from tests.dedupe.conftest import make_contact, make_organization
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_queue_leads_from_the_worst_record_to_its_fixing(page, transactional_db):
    chief = UserFactory(username="chief", roles=["administrator"])
    organization = make_organization(chief, "Voll GmbH", website="https://voll.example")
    make_contact(chief, "Eva", "Voll", emails=["eva@voll.example"], phones=["+49 30 901821"],
                 organization_id=str(organization.pk))  # fmt: skip
    make_contact(chief, "Hans", "Meier", emails=["hans@meier.example"])
    make_contact(chief, "Hans", "Meyer", emails=["Hans@Meier.example"])
    make_contact(chief, "", "", phones=["+49 30 901822"], owner_id=None)
    scan_all("contact")
    rescore_all("contact")

    # The live server's first answer loads the URL configuration and
    # templates; on a busy machine that alone may outlast the default timeout.
    page.goto("/accounts/login/", timeout=60_000)
    log_in(page, "chief")
    page.get_by_role("link", name="Clean-up").click()
    rows = page.get_by_test_id("quality-queue").locator("tbody tr")
    expect(rows).to_have_count(3)  # Eva Voll is complete
    expect(rows.first).to_contain_text("no name")
    expect(rows.first).to_contain_text("no owner")
    meier = rows.filter(has_text="Hans Meier")
    expect(meier).to_contain_text("1 possible duplicate")
    expect(meier.get_by_role("link", name="Review duplicates")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "quality-queue.png", full_page=True)

    meier.get_by_role("link", name="Hans Meier").click()
    card = page.get_by_test_id("overview-quality")
    expect(card).to_contain_text("1 possible duplicate")
    expect(card.get_by_test_id("quality-score")).to_contain_text("/ 100")
    page.screenshot(path=ARTIFACTS / "quality-contact-card.png", full_page=True)

    page.goto("/quality/")
    rows.first.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]+/edit/$"))
