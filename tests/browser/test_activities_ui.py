"""The contact history and the 360° view in a real browser."""

import os

import pytest
from playwright.sync_api import expect

from kontor.activities.models import Activity
from kontor.files.models import Attachment
from tests.browser.conftest import CHROMIUM_ARGS, log_in  # noqa: F401 (shared setup)
from tests.factories import ContactFactory, OrganizationFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = pytest.mark.browser


@pytest.fixture
def contact(rep):
    organization = OrganizationFactory(name="Bäckerei Schulze GmbH", owner=rep)
    return ContactFactory(
        first_name="Anna",
        last_name="Schulze",
        organization_id=organization.pk,
        phones=[{"number": "030 4401230-12"}],
        owner=rep,
    )


def quick_action(page, name: str):
    """The quick action (a <details> with its form) whose button reads ``name``."""
    summary = page.locator("summary").get_by_text(name, exact=True)
    return page.locator("details[data-quick-action]").filter(has=summary)


def test_a_call_with_a_note_and_a_file_shows_on_the_timeline_and_in_the_360_view(
    page, rep, contact, tmp_path
):
    quote = tmp_path / "Angebot 2026.pdf"
    quote.write_bytes(b"%PDF-1.4 Angebot")
    photo = tmp_path / "Ofen.txt"
    photo.write_text("Ofen Nr. 2, Seriennummer 4711")
    log_in(page)
    page.goto(contact.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Anna Schulze")

    call = quick_action(page, "Log call")
    call.locator("summary").click()
    call.get_by_label("Inbound").check()
    call.get_by_label("Answered").check()
    call.get_by_label("Note").fill("Wants a maintenance contract for oven no. 2.")
    call.get_by_label("Duration (minutes)").fill("9")
    call.get_by_label("Attach files").set_input_files(str(quote))
    url_before = page.url
    call.get_by_role("button", name="Save").click()

    timeline = page.get_by_test_id("timeline")
    entry = timeline.locator("li.entry--call")
    expect(entry).to_contain_text("Wants a maintenance contract for oven no. 2.")
    expect(entry).to_contain_text("Inbound · Answered · 9:00")
    expect(entry.get_by_role("link", name="Angebot 2026.pdf")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Call saved.")
    assert page.url == url_before  # the page was not left
    files = page.get_by_test_id("files")
    expect(files.get_by_role("link", name="Angebot 2026.pdf")).to_be_visible()
    expect(page.locator(".counts__number[data-kind=call]")).to_have_text("1")
    expect(page.locator(".summary__facts")).to_contain_text("Call")

    attach = quick_action(page, "Attach files")
    attach.locator("summary").click()
    attach.get_by_label("Files").set_input_files(str(photo))
    attach.get_by_role("button", name="Save").click()

    expect(files.get_by_role("link", name="Ofen.txt")).to_be_visible()
    expect(files.get_by_role("link", name="Angebot 2026.pdf")).to_be_visible()

    saved = Activity.objects.get()
    assert (saved.kind, saved.direction, saved.duration_seconds) == ("call", "inbound", 540)
    assert sorted(Attachment.objects.values_list("name", flat=True)) == [
        "Angebot 2026.pdf",
        "Ofen.txt",
    ]
    with page.expect_download() as download_info:
        files.get_by_role("link", name="Angebot 2026.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Angebot 2026.pdf"
    assert download.path().read_bytes() == b"%PDF-1.4 Angebot"


def test_a_mistake_in_a_form_is_shown_in_place_and_nothing_is_lost(page, rep, contact):
    log_in(page)
    page.goto(contact.get_absolute_url())
    meeting = quick_action(page, "Plan meeting")
    meeting.locator("summary").click()
    meeting.get_by_label("Subject").fill("Jahresgespräch")
    meeting.get_by_label("Starts").fill("2030-05-06T10:00")
    meeting.get_by_label("Ends").fill("2030-05-06T09:00")
    meeting.get_by_role("button", name="Save").click()

    meeting = quick_action(page, "Plan meeting")
    expect(meeting.get_by_text("must not be before starts_at")).to_be_visible()
    expect(meeting.get_by_label("Subject")).to_have_value("Jahresgespräch")
    meeting.get_by_label("Ends").fill("2030-05-06T11:30")
    meeting.get_by_role("button", name="Save").click()

    entry = page.get_by_test_id("timeline").locator("li.entry--meeting")
    expect(entry).to_contain_text("Jahresgespräch")
    expect(entry.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    assert Activity.objects.get().subject == "Jahresgespräch"


def test_without_javascript_the_forms_post_and_come_back(browser, live_server, rep, contact):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page)
        page.goto(contact.get_absolute_url())
        note = quick_action(page, "Write note")
        note.locator("summary").click()
        note.get_by_label("Note").fill("Plain old form post.")
        note.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("timeline")).to_contain_text("Plain old form post.")
        assert page.url.endswith(f"{contact.get_absolute_url()}#history")
    finally:
        context.close()


def test_a_task_is_created_and_done_from_my_tasks(page, rep, contact):
    log_in(page)
    page.goto(contact.get_absolute_url())
    task = quick_action(page, "Create task")
    task.locator("summary").click()
    task.get_by_label("What is to be done?").fill("Send the quote")
    task.get_by_label("Due").fill("2020-01-01T09:00")
    task.get_by_role("button", name="Save").click()
    expect(page.locator(".history__card--tasks")).to_contain_text("Send the quote")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="My tasks"
    ).click()
    overdue = page.locator(".task-section--overdue")
    expect(overdue).to_contain_text("Send the quote")
    overdue.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("is done")
    expect(page.locator(".task-section--overdue")).not_to_contain_text("Send the quote")
    assert Activity.objects.get().status == "done"
