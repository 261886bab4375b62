"""The jobs page in a real browser: a long job's progress bar moves while the
job reports its progress, without reloading the page."""

import pytest
from playwright.sync_api import expect

from kontor.tasks.services import enqueue, report_progress
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.tasks import sample_tasks

pytestmark = pytest.mark.browser


def test_the_progress_bar_follows_a_running_job(page, transactional_db):
    UserFactory(username="chief", roles=["administrator"])
    job = enqueue(sample_tasks.counted, args=[200], name="Import of kunden.csv")
    report_progress(job.pk, done=20, total=200)
    log_in(page, "chief")
    page.goto("/jobs/")
    row = page.get_by_role("row").filter(has_text="Import of kunden.csv")
    bar = row.get_by_role("progressbar")
    expect(bar).to_have_attribute("value", "20")
    expect(row).to_contain_text("queued")

    report_progress(job.pk, done=150, total=200)
    expect(bar).to_have_js_property("value", 150)
    expect(row).to_contain_text("150 / 200")
