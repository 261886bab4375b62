"""Access rules in a real browser: a sales rep of team A does not find team
B's contact, and the data protection officer sees a special field the sales
rep does not."""

import pytest
from playwright.sync_api import expect

from kontor.contacts.services import contact_create
from kontor.customfields.models import CustomFieldDefinition
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def company(transactional_db):
    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="diagnosis",
        label="Diagnosis",
        field_type="text",
        category="special",
    )
    admin = UserFactory(username="chief", roles=["administrator"])
    sales_a = UserFactory(
        username="anna", first_name="Anna", last_name="Alpha", roles=["sales"], teams=["Team A"]
    )
    sales_b = UserFactory(username="bert", roles=["sales"], teams=["Team B"])
    UserFactory(
        username="dora",
        first_name="Dora",
        last_name="Datenschutz",
        roles=["data-protection-officer"],
    )
    ours = contact_create(
        actor=admin,
        data={
            "first_name": "Olga",
            "last_name": "Ourcustomer",
            "owner_id": sales_a.pk,
            "custom": {"diagnosis": "Allergie gegen Nüsse"},
        },
    )
    theirs = contact_create(
        actor=admin,
        data={
            "first_name": "Theo",
            "last_name": "Theircustomer",
            "owner_id": sales_b.pk,
            "phones": ["030 98765432"],
        },
    )
    return {"ours": ours, "theirs": theirs}


def _search(page, text: str) -> None:
    page.goto("/contacts/")
    page.get_by_role("searchbox", name="Search").fill(text)
    page.get_by_role("button", name="Search").click()


def test_a_sales_rep_of_team_a_does_not_find_team_bs_contact(page, company):
    log_in(page, "anna")

    _search(page, "Theircustomer")
    expect(page.get_by_text("No contact matches.")).to_be_visible()
    _search(page, "98765432")
    expect(page.get_by_text("No contact matches.")).to_be_visible()

    _search(page, "Ourcustomer")
    expect(page.get_by_role("rowheader").get_by_role("link")).to_have_text(["Olga Ourcustomer"])

    # Not even the address leads there (fetched beside the page: a 404 page
    # would count as an error in the browser console).
    assert page.request.get(company["theirs"].get_absolute_url()).status == 404


def test_the_data_protection_officer_sees_a_special_field_the_sales_rep_does_not(page, company):
    url = company["ours"].get_absolute_url()

    log_in(page, "anna")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Olga Ourcustomer")
    expect(page.get_by_text("Diagnosis")).to_have_count(0)
    expect(page.get_by_text("Allergie gegen Nüsse")).to_have_count(0)

    page.get_by_text("User menu: Anna Alpha").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, "dora")
    page.goto(url)
    details = page.get_by_role("region", name="Details")
    expect(details.get_by_text("Diagnosis")).to_be_visible()
    expect(details.get_by_text("Allergie gegen Nüsse")).to_be_visible()
    expect(page.get_by_test_id("audit-history")).to_be_visible()
