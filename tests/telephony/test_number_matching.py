"""Callers are found however the phone system writes their number, also when
they call from an extension behind their organization's main number."""

import pytest

from kontor.contacts.selectors import lookup_phone
from tests.factories import ContactFactory, OrganizationFactory


@pytest.mark.parametrize(
    "number",
    [
        "+49301234567",  # E.164
        "49301234567",  # E.164 without +
        "004930 1234567",  # 00 prefix
        "030 1234567",  # national with leading 0
        "030 123 45 67",  # spaces
        "030-123-4567",  # dashes
        "(030) 1234567",  # parentheses
        "+49 (0)30 1234-567",  # all of it
    ],
)
def test_every_format_phone_systems_send_finds_the_contact(user, anna, number):
    matches = lookup_phone(user=user, number=number)

    assert matches[0].record == anna
    assert matches[0].reason == "phone"


def test_an_extension_behind_the_main_number_finds_the_organization(user, acme):
    [match] = lookup_phone(user=user, number="+49 30 1234-899")

    assert match.record == acme
    assert match.reason == "phone_main_number"


def test_the_contact_with_the_direct_number_comes_before_the_organization(user, acme, anna):
    matches = lookup_phone(user=user, number="+49 30 1234-567")

    assert [m.record for m in matches] == [anna, acme]
    assert [m.reason for m in matches] == ["phone", "phone_main_number"]


def test_a_main_number_stored_without_the_0_is_found_too(user):
    organization = OrganizationFactory(name="Kurz AG", phones=["+49 40 555 66"], owner=user)

    [match] = lookup_phone(user=user, number="+49 40 555 66 123")

    assert match.record == organization


def test_the_longest_main_number_wins(user):
    group = OrganizationFactory(name="Konzern", phones=["+49 89 1000-0"], owner=user)
    branch = OrganizationFactory(name="Niederlassung", phones=["+49 89 10002-0"], owner=user)

    matches = lookup_phone(user=user, number="+49 89 1000 2345")

    assert [m.record for m in matches] == [branch, group]


def test_the_main_number_itself_is_an_exact_match(user, acme):
    [match] = lookup_phone(user=user, number="030 1234 0")

    assert (match.record, match.reason) == (acme, "phone")


def test_several_candidates_all_come_best_first(user):
    first = ContactFactory(first_name="Eva", phones=["+49 30 7777777"], owner=user)
    second = ContactFactory(first_name="Ole", phones=["030 7777777"], owner=user)
    organization = OrganizationFactory(name="Shared Line", phones=["+49 30 7777777"], owner=user)

    matches = lookup_phone(user=user, number="+49 30 7777777")

    assert {m.record for m in matches[:2]} == {first, second}
    assert matches[2].record == organization


def test_a_mobile_number_has_no_main_number(user):
    OrganizationFactory(name="Mobilfunk", phones=["+49 171 23456"], owner=user)

    assert lookup_phone(user=user, number="+49 171 2345678") == []


def test_a_number_that_only_shares_the_area_code_finds_nobody(user, acme):
    assert lookup_phone(user=user, number="+49 30 9999999") == []


def test_an_extension_match_through_the_lookup_api(api, acme, anna):
    response = api.get("/api/v1/lookup", {"phone": "+49 30 1234-123"})

    assert response.status_code == 200
    [match] = response.json()["matches"]
    assert match["id"] == str(acme.pk)
    assert match["matched_by"] == "phone_main_number"


def test_the_lookup_is_one_query_also_with_main_numbers(
    user, acme, anna, django_assert_num_queries
):
    with django_assert_num_queries(1) as captured:
        lookup_phone(user=user, number="+49 30 1234-123")

    sql = captured.captured_queries[0]["sql"].upper()
    assert " LIKE " not in sql  # index-backed: e164 IN (…), no scan


def test_records_hidden_from_the_user_are_not_found(colleague, anna):
    assert lookup_phone(user=colleague, number="+49 30 1234-567") == []
    assert lookup_phone(user=colleague, number="+49 30 1234-999") == []
