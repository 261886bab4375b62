"""The export menu of the contact and organization lists and the pages
behind it: the list's filters, the user's rights, one audit entry."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from kontor.audit.models import AuditEntry
from tests.factories import ContactFactory, OrganizationFactory, UserFactory


@pytest.fixture
def browser_of(db):
    def logged_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return logged_in


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_the_menu_exports_what_the_filtered_list_shows(browser_of, user):
    ContactFactory(owner=user, last_name="Kundin", lifecycle_stage="customer")
    ContactFactory(owner=user, last_name="Interessent", lifecycle_stage="lead")
    client = browser_of(user)

    page = client.get(reverse("contact-list"), {"lifecycle_stage": "customer", "cursor": "x"})
    links = page.context["export_links"]

    assert [link.url.split("?")[1] for link in links] == [
        "lifecycle_stage=customer&format=csv&delimiter=semicolon",
        "lifecycle_stage=customer&format=csv",
        "lifecycle_stage=customer&format=xlsx",
        "lifecycle_stage=customer&format=vcf",
    ]
    assert b'data-testid="export-menu"' in page.content
    rows = rows_of(client.get(links[0].url))
    assert [row["last_name"] for row in rows] == ["Kundin"]
    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.channel == "ui"
    assert entry.changes["filters"] == [None, {"lifecycle_stage": "customer"}]


def test_the_owner_filter_of_the_page_is_kept(browser_of, user):
    other = UserFactory(username="kollegin")
    OrganizationFactory(owner=user, name="Meine AG")
    OrganizationFactory(owner=other, name="Ihre AG")
    client = browser_of(user)

    rows = rows_of(client.get(reverse("organization-export"), {"owner": other.pk}))

    assert [row["name"] for row in rows] == ["Ihre AG"]


def test_without_the_export_right_there_is_no_menu_and_no_export(browser_of):
    agent = UserFactory(username="agent", roles=["service"])
    ContactFactory(owner=agent, last_name="Kunde")
    client = browser_of(agent)

    for name in ("contact", "organization"):
        page = client.get(reverse(f"{name}-list"))
        assert page.status_code == 200
        assert page.context["export_links"] == []
        assert b"export-menu" not in page.content
        assert client.get(reverse(f"{name}-export"), {"format": "csv"}).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_an_unknown_format_returns_to_the_list_with_a_message(browser_of, user):
    client = browser_of(user)

    response = client.get(reverse("contact-export"), {"format": "pdf", "tag": "VIP"}, follow=True)

    assert response.redirect_chain == [(f"{reverse('contact-list')}?tag=VIP", 302)]
    assert any("csv, xlsx, vcf" in str(message) for message in response.context["messages"])
    assert not AuditEntry.objects.filter(action="export").exists()
