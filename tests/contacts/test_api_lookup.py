import pytest

from kontor.contacts.models import Contact
from tests.contacts.api_support import (
    field_errors,
    queries_of,
)
from tests.factories import ContactFactory, OrganizationFactory


def _lookup(api, **params) -> list[dict]:
    response = api.get("/api/v1/lookup", params)
    assert response.status_code == 200, response.content
    return response.json()["matches"]


@pytest.fixture
def anna(db) -> Contact:
    acme = OrganizationFactory(name="ACME GmbH", website="https://www.acme.de")
    return ContactFactory(
        first_name="Anna",
        last_name="Schmidt",
        organization_id=acme.pk,
        phones=["+49 30 1234567"],
        emails=["Anna.Schmidt@ACME.de"],
    )


@pytest.mark.parametrize(
    "number",
    [
        "+49 30 1234567",
        "030 1234567",
        "0049 (30) 123-4567",
        "49301234567",
        "+49301234567",
        "004930 1234567",
        "+49 (0)30 1234567",
        "tel:+49-30-1234567",
    ],
)
def test_a_phone_number_in_any_format_finds_the_contact(api, anna, number):
    assert [m["id"] for m in _lookup(api, phone=number)] == [str(anna.pk)]


def test_a_match_tells_who_it_is_and_where_to_find_them(api, anna):
    [match] = _lookup(api, phone="030 1234567")

    assert match == {
        "type": "contact",
        "id": str(anna.pk),
        "display_name": "Anna Schmidt",
        "organization": {
            "id": str(anna.organization.pk),
            "name": "ACME GmbH",
            "url": f"http://testserver/organizations/{anna.organization.pk}/",
        },
        "url": f"http://testserver/contacts/{anna.pk}/",
        "matched_by": "phone",
    }


def test_a_phone_number_typed_with_another_number_stored_differently_is_found(api):
    contact = ContactFactory(phones=["0049 (30) 123-4567"])

    assert [m["id"] for m in _lookup(api, phone="+49301234567")] == [str(contact.pk)]


def test_a_fragment_of_a_number_finds_nothing(api, anna):
    assert _lookup(api, phone="1234567") == []
    assert _lookup(api, phone="030 123456") == []


def test_people_come_before_their_organization(api):
    acme = OrganizationFactory(name="ACME", phones=["089 123456"])
    person = ContactFactory(phones=["+49 89 123456"], organization_id=acme.pk)

    matches = _lookup(api, phone="089 123456")

    assert [(m["type"], m["id"]) for m in matches] == [
        ("contact", str(person.pk)),
        ("organization", str(acme.pk)),
    ]
    assert matches[1]["organization"] is None
    assert matches[1]["url"] == f"http://testserver/organizations/{acme.pk}/"


def test_the_likelier_reading_of_bare_digits_comes_first(api):
    # Bare digits "49 4930 1234567" are +49 4930 1234567 (a valid number) or,
    # read as a national number, +49 49 4930 1234567 (merely possible).
    international = ContactFactory(phones=["+49 4930 1234567"])
    national = ContactFactory(phones=["+49 494930 1234567"])

    matches = _lookup(api, phone="49 4930 1234567")

    assert [m["id"] for m in matches] == [str(international.pk), str(national.pk)]


def test_an_email_address_is_found_whatever_its_case(api, anna):
    for address in ["anna.schmidt@acme.de", "ANNA.SCHMIDT@ACME.DE", " Anna.Schmidt@acme.DE "]:
        assert [m["id"] for m in _lookup(api, email=address)] == [str(anna.pk)]


def test_an_international_domain_is_found_in_its_ascii_form(api):
    contact = ContactFactory(emails=["x@bücher.de"])

    assert [m["id"] for m in _lookup(api, email="X@xn--bcher-kva.de")] == [str(contact.pk)]
    assert [m["id"] for m in _lookup(api, email="x@BÜCHER.de")] == [str(contact.pk)]


def test_an_unknown_sender_from_an_organizations_website_domain_finds_it(api, anna):
    [match] = _lookup(api, email="einkauf@acme.de")

    assert (match["type"], match["id"]) == ("organization", str(anna.organization.pk))
    assert match["matched_by"] == "email_domain"


def test_an_unknown_sender_from_an_organizations_email_domain_finds_it(api):
    organization = OrganizationFactory(name="Bücher GmbH", emails=["info@bücher.de"])

    [match] = _lookup(api, email="verkauf@xn--bcher-kva.de")

    assert match["id"] == str(organization.pk)


def test_a_known_sender_does_not_also_match_the_domain(api, anna):
    matches = _lookup(api, email="anna.schmidt@acme.de")

    assert [m["type"] for m in matches] == ["contact"]


def test_an_organizations_own_address_ranks_before_its_domain(api):
    info = OrganizationFactory(name="ACME Info", emails=["info@acme.de"])
    other = OrganizationFactory(name="AAA ACME Holding", website="acme.de")

    matches = _lookup(api, email="info@acme.de")

    assert [(m["id"], m["matched_by"]) for m in matches] == [
        (str(info.pk), "email"),
        (str(other.pk), "email_domain"),
    ]


@pytest.mark.parametrize("domain", ["gmail.com", "web.de", "gmx.de", "googlemail.com"])
def test_a_free_mail_domain_never_matches_an_organization(api, domain):
    OrganizationFactory(
        name="Mail provider", website=f"https://{domain}", emails=[f"info@{domain}"]
    )

    assert _lookup(api, email=f"someone@{domain}") == []


def test_a_person_with_a_free_mail_address_is_still_found(api):
    person = ContactFactory(emails=["max.mustermann@gmail.com"])

    assert [m["id"] for m in _lookup(api, email="Max.Mustermann@GMail.com")] == [str(person.pk)]


def test_unknown_numbers_and_addresses_find_nothing(api, anna):
    assert _lookup(api, phone="+1 202 555 0100") == []
    assert _lookup(api, phone="anonymous") == []
    assert _lookup(api, phone="") == []
    assert _lookup(api, email="nobody@example.org") == []


def test_a_number_and_an_address_of_the_same_person_match_once(api, anna):
    matches = _lookup(api, phone="030 1234567", email="anna.schmidt@acme.de")

    assert [m["id"] for m in matches] == [str(anna.pk)]


def test_a_deleted_contact_is_not_found(api, anna):
    api.delete(f"/api/v1/contacts/{anna.pk}")

    assert _lookup(api, phone="030 1234567") == []


def test_a_changed_number_is_found_under_the_new_number_only(api, anna):
    api.patch(f"/api/v1/contacts/{anna.pk}", {"phones": [{"number": "0170 1234567"}]})

    assert _lookup(api, phone="030 1234567") == []
    assert [m["id"] for m in _lookup(api, phone="+491701234567")] == [str(anna.pk)]


def test_it_asks_for_a_phone_number_or_an_email_address(api):
    assert field_errors(api.get("/api/v1/lookup")) == {
        "query.phone": ["give a phone number (phone=) or an email address (email=)"]
    }


def test_it_rejects_what_is_no_email_address(api):
    assert set(field_errors(api.get("/api/v1/lookup", {"email": "not an address"}))) == {
        "query.email"
    }


def test_a_lookup_costs_one_or_two_queries_however_many_records_match(api):
    acme = OrganizationFactory(website="acme.de", phones=["089 123456"])
    ContactFactory(phones=["089 123456"], organization_id=acme.pk)
    few = {
        "phone": queries_of(api, "/api/v1/lookup", phone="089 123456"),
        "email": queries_of(api, "/api/v1/lookup", email="unknown@acme.de"),
    }
    for index in range(15):
        ContactFactory(phones=["089 123456"], organization_id=acme.pk, emails=[f"p{index}@acme.de"])
        OrganizationFactory(website="acme.de")

    many = {
        "phone": queries_of(api, "/api/v1/lookup", phone="089 123456"),
        "email": queries_of(api, "/api/v1/lookup", email="unknown@acme.de"),
    }

    assert few == many == {"phone": 1, "email": 2}
    assert len(_lookup(api, phone="089 123456")) == 17


def test_a_rep_finds_their_record_behind_a_number_more_foreign_records_share(db):
    """The lookup reads a number's first records and checks their owners; a
    number on more records than it reads asks the database to apply the
    access rules, so the rep's own record behind the cut is still found."""
    from kontor.contacts.selectors import LOOKUP_LIMIT, lookup
    from tests.factories import UserFactory

    rep = UserFactory(roles=["sales"], teams=["A"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    for _ in range(LOOKUP_LIMIT + 1):
        ContactFactory(owner=stranger, phones=["+49 40 555000"], emails=["front@desk.example"])
    mine = ContactFactory(owner=rep, phones=["+49 40 555000"], emails=["front@desk.example"])

    assert [m.record for m in lookup(user=rep, phone="040 555000")] == [mine]
    assert [m.record for m in lookup(user=rep, email="front@desk.example")] == [mine]
    assert len(lookup(user=stranger, phone="040 555000")) == LOOKUP_LIMIT


def test_a_rep_finds_a_foreign_record_shared_with_them_and_no_other(db):
    from kontor.access.services import share_create
    from kontor.contacts.selectors import lookup
    from tests.factories import UserFactory

    admin = UserFactory(roles=[], is_superuser=True)
    rep = UserFactory(roles=["sales"], teams=["A"])
    stranger = UserFactory(roles=["sales"], teams=["B"])
    shared, unshared = (
        ContactFactory(owner=stranger, phones=["+49 40 777000"], emails=["desk@shared.example"])
        for _ in range(2)
    )
    share_create(actor=admin, record=shared, user=rep)

    assert [m.record for m in lookup(user=rep, phone="+49 40 777000")] == [shared]
    assert [m.record for m in lookup(user=rep, email="desk@shared.example")] == [shared]
    assert {m.record for m in lookup(user=stranger, phone="+49 40 777000")} == {shared, unshared}
