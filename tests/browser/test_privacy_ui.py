"""The data protection officer's register of requests in a real browser:
recording an access request by email address, downloading the export,
marking it done; an overdue request stands out in the list. (That
colleagues see neither the link nor the pages: tests/privacy/test_pages.py.)"""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontor.contacts.services import contact_create
from kontor.privacy.services import request_create
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_a_data_protection_officer_answers_an_access_request(page, transactional_db):
    admin = UserFactory(username="boss", roles=["administrator"])
    dpo = UserFactory(username="dpo", roles=["data-protection-officer"])
    anna = contact_create(
        actor=admin,
        data={"first_name": "Anna", "last_name": "Auskunft",
              "emails": [{"address": "anna@example.org"}]},
    )  # fmt: skip
    bernd = contact_create(actor=admin, data={"first_name": "Bernd", "last_name": "Brief"})
    request_create(
        actor=dpo,
        type="erasure",
        contact_id=bernd.pk,
        received_on=timezone.localdate() - datetime.timedelta(days=45),
    )

    log_in(page, "dpo")
    page.get_by_role("link", name="Data subject requests").click()
    overdue = page.get_by_role("row").filter(has_text="Bernd Brief")
    expect(overdue).to_contain_text("overdue")
    expect(overdue).to_have_class("request--overdue")

    page.get_by_role("link", name="Record a request").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_label("Type of request").select_option("access")
    page.get_by_label("or: email address").fill("ANNA@example.org")
    page.screenshot(path=ARTIFACTS / "privacy-request-form.png", full_page=True)
    page.get_by_role("button", name="Record request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access (Art. 15)")
    expect(page.get_by_test_id("status")).to_have_text("Open")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download export").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["person"]["id"] == str(anna.pk)

    page.screenshot(path=ARTIFACTS / "privacy-request-detail.png", full_page=True)
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_test_id("status")).to_have_text("Done")

    page.get_by_role("link", name="All requests").click()
    expect(page.get_by_test_id("closed-requests")).to_contain_text("Anna Auskunft")
    page.screenshot(path=ARTIFACTS / "privacy-requests.png", full_page=True)
