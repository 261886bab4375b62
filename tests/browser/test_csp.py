"""The Content-Security-Policy in a real browser: the pages work under it and
Chromium reports no violation (inline script or style, foreign source)."""

import pytest
from django.urls import reverse

from kontor.contacts.services import contact_create, organization_create
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []

    def on_console(message) -> None:
        # A browser asks for /favicon.ico by itself; its absence is no policy matter.
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            problems.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()


def test_the_pages_run_under_the_policy_without_violations(tab):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    organization = organization_create(actor=boss, data={"name": "Acme GmbH"})
    contact = contact_create(
        actor=boss, data={"first_name": "Anna", "organization_id": organization.pk}
    )
    log_in(tab, "boss")

    for url in (
        reverse("contact-list"),
        reverse("contact-detail", args=[contact.pk]),
        reverse("organization-detail", args=[organization.pk]),
        reverse("token-list"),
        reverse("two-factor-setup"),
        reverse("admin:index"),
    ):
        response = tab.goto(url)
        tab.wait_for_load_state("networkidle")
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]

    qr_loaded = tab.goto(reverse("two-factor-setup")) and tab.evaluate(
        "() => { const img = document.querySelector('img.qr-code');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    assert qr_loaded
    assert tab.problems == []


def test_the_api_docs_work_under_the_policy(tab):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    log_in(tab, "boss")

    tab.goto("/api/v1/docs")
    tab.wait_for_selector(".opblock-tag", timeout=30_000)

    assert tab.locator(".opblock").count() > 10
    assert tab.problems == []
