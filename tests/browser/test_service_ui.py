"""Tickets in a real browser: an agent answers a ticket from the queue and
sees the first-response clock stop."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontor.service import services
from kontor.service.models import Ticket
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_an_agent_answers_a_ticket_from_the_queue_and_the_clock_stops(page, rep):
    from tests.factories import ContactFactory

    contact = ContactFactory(first_name="Lena", last_name="Hoffmann", owner=rep,
                             emails=[{"address": "lena@nordlicht.example"}])  # fmt: skip
    due = timezone.now() + datetime.timedelta(hours=1)
    ticket = services.ticket_create(
        actor=rep,
        data={"subject": "Lieferschein fehlt", "contact_id": contact.pk, "assignee_id": rep.pk,
              "first_response_due_at": due.isoformat()},
    )  # fmt: skip
    log_in(page)
    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Tickets").click()
    page.get_by_test_id("tab-mine").click()
    row = page.get_by_test_id("ticket-row").filter(has_text="Lieferschein fehlt")
    expect(row.locator(".due--soon")).to_be_visible()

    row.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("new")
    page.get_by_label("Reply to the customer (sent by email)").check()
    page.get_by_label("Text").fill("Der Lieferschein kommt heute per Post.")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_test_id("ticket-status")).to_have_text("open")
    expect(page.get_by_test_id("ticket-clock")).to_contain_text("answered")
    expect(page.get_by_test_id("ticket-message")).to_contain_text("kommt heute per Post")
    assert Ticket.objects.get().first_responded_at is not None
