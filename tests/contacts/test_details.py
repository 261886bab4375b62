"""A record's email addresses, phone numbers and tags as lists: those its
query loaded with it, else read when asked for."""

import pytest

from kontor.contacts import selectors
from tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture
def contact(admin_user):
    return ContactFactory(
        owner=admin_user,
        emails=["second@example.org", "first@example.org"],
        phones=["030 1234567"],
        tags=["VIP", "Berlin"],
    )


# The contact's addresses and numbers in the order given, its tags by name.
STORED = (["second@example.org", "first@example.org"], ["+49301234567"], ["Berlin", "VIP"])


def _lists(record) -> tuple[list[str], list[str], list[str]]:
    return (
        [email.address for email in record.email_list],
        [phone.e164 for phone in record.phone_list],
        [tag.name for tag in record.tag_list],
    )


@pytest.mark.django_db
def test_a_record_read_with_its_details_carries_them(
    admin_user, contact, django_assert_num_queries
):
    loaded = selectors.contact_get(user=admin_user, contact_id=contact.pk)

    with django_assert_num_queries(0):
        lists = _lists(loaded)

    assert lists == STORED


@pytest.mark.django_db
def test_a_record_read_alone_reads_them_when_asked(contact, django_assert_num_queries):
    plain = type(contact).objects.get(pk=contact.pk)

    with django_assert_num_queries(3):
        lists = _lists(plain)

    assert lists == STORED


@pytest.mark.django_db
def test_every_contact_of_a_page_carries_its_own(admin_user, django_assert_num_queries):
    acme = OrganizationFactory(owner=admin_user, emails=["info@acme.example"], tags=["Kunde"])
    for index in range(3):
        ContactFactory(owner=admin_user, organization_id=acme.pk, emails=[f"c{index}@acme.example"])

    page = selectors.contact_search(user=admin_user, q="acme").page(
        order=("-created_at", "-id"), limit=10, cursor=None
    )
    organizations = selectors.organization_search(user=admin_user, q="acme").page(
        order=("name", "id"), limit=10, cursor=None
    )

    with django_assert_num_queries(0):
        emails = sorted(email.address for contact in page.items for email in contact.email_list)
        tags = [[tag.name for tag in record.tag_list] for record in organizations.items]
    assert emails == ["c0@acme.example", "c1@acme.example", "c2@acme.example"]
    assert tags == [["Kunde"]]
