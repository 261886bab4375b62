import datetime

import pytest
from django.utils import timezone

from kontor.contacts.models import Contact, EmailAddress, PhoneNumber
from tests.conftest import api_client_for
from tests.contacts.api_support import (
    field_errors,
    queries_of,
    stored_state,
    walk_pages,
)
from tests.factories import ContactFactory, OrganizationFactory, UserFactory
from tests.query_counts import CaptureWorkQueries

CONTACT_FIELDS = {
    "id",
    "first_name",
    "last_name",
    "display_name",
    "organization_id",
    "lifecycle_stage",
    "emails",
    "phones",
    "tags",
    "custom",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
}


# Create --------------------------------------------------------------------------


def email_out(address: str, label: str = "work") -> dict:
    """An email address as the API shows it, with nothing said about its delivery."""
    return {"address": address, "label": label, "bouncing": False, "bounce_reason": "",
            "bounced_at": None, "temporary_failures": 0, "do_not_email": False,
            "do_not_email_reason": ""}  # fmt: skip


def test_it_creates_a_contact_with_every_field(api, user):
    acme = OrganizationFactory(name="ACME GmbH")

    response = api.post(
        "/api/v1/contacts",
        {
            "first_name": " Anna ",
            "last_name": "Schmidt",
            "organization_id": str(acme.pk),
            "lifecycle_stage": "prospect",
            "emails": [
                {"address": "Anna.Schmidt@ACME.de", "label": "work"},
                {"address": "anna@example.org", "label": "private"},
            ],
            "phones": [{"number": "030 1234567", "label": "mobile"}],
            "tags": ["VIP", "Messe 2025"],
            "notes": "Met at the fair.",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= CONTACT_FIELDS
    assert body["first_name"] == "Anna"
    assert body["display_name"] == "Anna Schmidt"
    assert body["organization_id"] == str(acme.pk)
    assert body["lifecycle_stage"] == "prospect"
    assert body["emails"] == [
        email_out("Anna.Schmidt@ACME.de", "work"),
        email_out("anna@example.org", "private"),
    ]
    assert body["phones"] == [{"number": "+49301234567", "raw": "030 1234567", "label": "mobile"}]
    assert sorted(body["tags"]) == ["Messe 2025", "VIP"]
    assert body["custom"] == {}
    assert body["owner_id"] == user.pk
    assert body["version"] == 1
    assert response["Location"] == f"/api/v1/contacts/{body['id']}"
    assert response["ETag"] == '"1"'
    assert Contact.objects.get(pk=body["id"]).display_name == "Anna Schmidt"


def test_it_creates_a_contact_from_only_an_email_address(api):
    response = api.post("/api/v1/contacts", {"email": "max@example.com"})

    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "max@example.com"
    assert body["emails"] == [email_out("max@example.com", "work")]
    assert body["lifecycle_stage"] == "lead"


def test_it_creates_a_contact_from_only_a_phone_number(api):
    response = api.post("/api/v1/contacts", {"phone": "0049 (30) 123-4567"})

    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "0049 (30) 123-4567"
    assert body["phones"] == [
        {"number": "+49301234567", "raw": "0049 (30) 123-4567", "label": "work"}
    ]


def test_the_shorthand_comes_before_the_listed_contact_points(api):
    response = api.post(
        "/api/v1/contacts",
        {"email": "first@example.com", "emails": [{"address": "second@example.com"}]},
    )

    assert [e["address"] for e in response.json()["emails"]] == [
        "first@example.com",
        "second@example.com",
    ]


def test_the_same_address_twice_is_stored_once(api):
    response = api.post(
        "/api/v1/contacts",
        {"emails": [{"address": "max@example.com"}, {"address": "MAX@example.com"}]},
    )

    assert [e["address"] for e in response.json()["emails"]] == ["max@example.com"]


def test_it_can_assign_another_active_user_as_owner(api):
    colleague = UserFactory()

    response = api.post("/api/v1/contacts", {"first_name": "A", "owner_id": colleague.pk})

    assert response.json()["owner_id"] == colleague.pk


def test_it_rejects_a_contact_without_any_identifier(api):
    response = api.post("/api/v1/contacts", {})

    errors = field_errors(response)
    assert errors == {
        "body": ["Give at least a first or last name, an email address or a phone number."]
    }
    assert not Contact.objects.exists()


def test_it_rejects_an_invalid_email_address_naming_the_field(api):
    response = api.post("/api/v1/contacts", {"email": "max@"})

    assert field_errors(response) == {"body.email": ["There must be something after the @-sign."]}
    assert not Contact.objects.exists()


def test_it_rejects_an_unparseable_phone_number_naming_the_field(api):
    response = api.post("/api/v1/contacts", {"first_name": "Max", "phone": "call me maybe"})

    assert field_errors(response) == {"body.phone": ["A phone number must contain digits."]}


def test_it_names_the_item_of_a_list_with_an_error(api):
    response = api.post(
        "/api/v1/contacts",
        {
            "emails": [{"address": "ok@example.com"}, {"address": "not an address"}],
            "phones": [{"number": "12345678901234567890"}],
        },
    )

    errors = field_errors(response)
    assert set(errors) == {"body.emails.1.address", "body.phones.0.number"}
    assert not EmailAddress.objects.exists()


def test_it_reports_every_invalid_field_at_once(api):
    response = api.post(
        "/api/v1/contacts",
        {"email": "x@", "phone": "abc", "owner_id": 999999, "tags": [""]},
    )

    assert set(field_errors(response)) == {
        "body.email",
        "body.phone",
        "body.owner_id",
        "body.tags.0",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "A", "nickname": "Al"}, "body.nickname"),
        ({"first_name": "A", "lifecycle_stage": "hot"}, "body.lifecycle_stage"),
        ({"first_name": "A" * 151}, "body.first_name"),
        (
            {"first_name": "A", "emails": [{"address": "a@example.com", "label": "x"}]},
            "body.emails.0.label",
        ),
        ({"first_name": "A", "organization_id": "not-a-uuid"}, "body.organization_id"),
        ({"first_name": "A", "tags": ["x" * 65]}, "body.tags.0"),
        ({"first_name": "A", "tags": [f"t{i}" for i in range(51)]}, "body.tags"),
        ({"first_name": "A\x00"}, "body.first_name"),
        ({"first_name": "A", "version": 1}, "body.version"),
    ],
)
def test_it_rejects_invalid_fields(api, body, field):
    errors = field_errors(api.post("/api/v1/contacts", body))

    assert field in errors
    assert not Contact.objects.exists()


def test_it_rejects_an_organization_that_does_not_exist(api):
    response = api.post(
        "/api/v1/contacts",
        {"first_name": "A", "organization_id": "0190e123-4567-789a-bcde-f0123456789a"},
    )

    assert field_errors(response) == {"body.organization_id": ["is not an existing organization"]}


def test_it_rejects_an_inactive_owner(api):
    former = UserFactory(is_active=False)

    response = api.post("/api/v1/contacts", {"first_name": "A", "owner_id": former.pk})

    assert field_errors(response) == {"body.owner_id": ["is not an active user"]}


def test_a_very_long_name_makes_a_shortened_display_name(api):
    response = api.post("/api/v1/contacts", {"first_name": "A" * 150, "last_name": "B" * 150})

    assert response.status_code == 201
    body = response.json()
    assert body["last_name"] == "B" * 150
    assert len(body["display_name"]) == 255
    assert body["display_name"].endswith("…")


# Read ----------------------------------------------------------------------------


def test_it_shows_a_contact(api):
    contact = ContactFactory(first_name="Anna", last_name="Schmidt", emails=["anna@example.com"])

    response = api.get(f"/api/v1/contacts/{contact.pk}")

    assert response.status_code == 200
    assert response.json()["emails"] == [email_out("anna@example.com", "work")]
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    "contact_id", ["0190e123-4567-789a-bcde-f0123456789a", "42", "not-a-uuid", "%00"]
)
def test_it_answers_404_for_an_unknown_contact(api, contact_id):
    response = api.get(f"/api/v1/contacts/{contact_id}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# Update --------------------------------------------------------------------------


def test_it_changes_only_the_fields_sent(api):
    contact = ContactFactory(
        first_name="Anna", last_name="Schmidt", emails=["anna@example.com"], tags=["VIP"]
    )

    response = api.patch(f"/api/v1/contacts/{contact.pk}", {"last_name": "Meier", "version": 1})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Anna", "Meier")
    assert body["display_name"] == "Anna Meier"
    assert body["emails"] == [email_out("anna@example.com", "work")]
    assert body["tags"] == ["VIP"]
    assert body["version"] == 2
    assert response["ETag"] == '"2"'


def test_a_patch_replaces_a_list_it_sends(api):
    contact = ContactFactory(phones=["030 1234567", "0170 1234567"])

    response = api.patch(f"/api/v1/contacts/{contact.pk}", {"phones": [{"number": "089 123456"}]})

    assert [p["number"] for p in response.json()["phones"]] == ["+4989123456"]
    assert list(PhoneNumber.objects.values_list("e164", flat=True)) == ["+4989123456"]


def test_a_patch_with_the_shorthand_adds_a_contact_point(api):
    contact = ContactFactory(emails=["anna@example.com"], phones=["030 1234567"])

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}", {"email": "anna@acme.de", "phone": "+49 30 1234567"}
    )

    body = response.json()
    assert [e["address"] for e in body["emails"]] == ["anna@example.com", "anna@acme.de"]
    assert [p["raw"] for p in body["phones"]] == ["030 1234567"]


def test_a_patch_names_an_invalid_shorthand(api):
    contact = ContactFactory(emails=["anna@example.com", "a@example.org"])

    response = api.patch(f"/api/v1/contacts/{contact.pk}", {"email": "nope"})

    assert set(field_errors(response)) == {"body.email"}


def test_a_patch_cannot_remove_the_last_identifier(api):
    contact = ContactFactory(first_name="", last_name="", emails=["anna@example.com"])

    response = api.patch(f"/api/v1/contacts/{contact.pk}", {"emails": []})

    assert field_errors(response) == {
        "body": ["A contact needs at least a name, an email address or a phone number."]
    }
    assert contact.emails.count() == 1


def test_a_patch_with_a_stale_version_changes_nothing(api):
    contact = ContactFactory(
        first_name="Anna", emails=["anna@example.com"], phones=["030 1234567"], tags=["VIP"]
    )
    api.patch(f"/api/v1/contacts/{contact.pk}", {"lifecycle_stage": "customer", "version": 1})
    before = stored_state(contact)

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}",
        {
            "first_name": "Anne",
            "emails": [{"address": "anne@example.com"}],
            "phones": [],
            "tags": ["Lost"],
            "version": 1,
        },
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "record was changed meanwhile; current version is 2",
        "current_version": 2,
    }
    assert stored_state(contact) == before


def test_a_patch_with_a_stale_if_match_changes_nothing(api):
    contact = ContactFactory(first_name="Anna", emails=["anna@example.com"])
    contact_url = f"/api/v1/contacts/{contact.pk}"
    api.patch(contact_url, {"first_name": "Anne"})
    before = stored_state(contact)

    response = api.patch(
        contact_url, {"emails": [], "first_name": "Anja"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 409
    assert stored_state(contact) == before


@pytest.mark.parametrize("if_match", ['"1"', "1", 'W/"1"', "*"])
def test_a_patch_with_a_current_if_match_succeeds(api, if_match):
    contact = ContactFactory(first_name="Anna")

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}", {"first_name": "Anne"}, headers={"If-Match": if_match}
    )

    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_it_rejects_an_if_match_that_is_no_version(api):
    contact = ContactFactory(first_name="Anna")

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}", {"first_name": "Anne"}, headers={"If-Match": "abc"}
    )

    assert set(field_errors(response)) == {"body.If-Match"}


def test_a_patch_with_an_invalid_field_changes_nothing(api):
    contact = ContactFactory(first_name="Anna", emails=["anna@example.com"])
    before = stored_state(contact)

    response = api.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"first_name": "Anne", "emails": [{"address": "broken@"}], "version": 1},
    )

    assert response.status_code == 422
    assert stored_state(contact) == before


def test_a_patch_of_an_unknown_contact_is_404(api):
    response = api.patch(
        "/api/v1/contacts/0190e123-4567-789a-bcde-f0123456789a", {"first_name": "A"}
    )

    assert response.status_code == 404


# Delete --------------------------------------------------------------------------


def test_it_deletes_a_contact_with_its_contact_points(api):
    contact = ContactFactory(emails=["anna@example.com"], phones=["030 1234567"])

    response = api.delete(f"/api/v1/contacts/{contact.pk}")

    assert response.status_code == 204
    assert api.get(f"/api/v1/contacts/{contact.pk}").status_code == 404
    assert not EmailAddress.objects.exists()
    assert not PhoneNumber.objects.exists()
    assert api.delete(f"/api/v1/contacts/{contact.pk}").status_code == 404


# List and search -------------------------------------------------------------------


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_contacts_newest_first(api):
    first = ContactFactory()
    second = ContactFactory()

    response = api.get("/api/v1/contacts")

    assert response.json()["next"] is None
    assert _ids(response) == [str(second.pk), str(first.pk)]
    assert set(response.json()["items"][0]) >= CONTACT_FIELDS


@pytest.fixture
def people(db):
    acme = OrganizationFactory(name="ACME Maschinenbau")
    return {
        "anna": ContactFactory(
            first_name="Anna",
            last_name="Schmidt",
            emails=["Anna.Schmidt@acme.de"],
            phones=["+49 30 1234567"],
            organization_id=acme.pk,
        ),
        "bernd": ContactFactory(
            first_name="Bernd", last_name="Müller", phones=["0171 9876543"], emails=[]
        ),
        "carla": ContactFactory(first_name="Carla", last_name="Schmidtke", emails=["c@bücher.de"]),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("anna", {"anna"}),
        ("schmidt", {"anna", "carla"}),
        ("Anna Schmidt", {"anna"}),
        ("ANNA.SCHMIDT@ACME.DE", {"anna"}),
        ("acme.de", {"anna"}),
        ("bücher", {"carla"}),
        ("maschinenbau", {"anna"}),
        ("+49 30 1234567", {"anna"}),
        ("030 1234567", {"anna"}),
        ("0049 (30) 123-4567", {"anna"}),
        ("+49 (0)30 1234567", {"anna"}),
        ("49301234567", {"anna"}),
        ("1234567", {"anna"}),
        ("030 12", {"anna"}),
        ("0171/98765", {"bernd"}),
        ("98765", {"bernd"}),
        ("müller", {"bernd"}),
        ("nobody", set()),
        ("100%", set()),
        ("a_b", set()),
    ],
)
def test_search_finds_names_addresses_numbers_and_organizations(api, people, q, expected):
    response = api.get("/api/v1/contacts", {"q": q})

    names = {name for name, contact in people.items() if str(contact.pk) in _ids(response)}
    assert names == expected


def test_it_filters_by_lifecycle_stage_organization_owner_and_tag(api, user):
    acme = OrganizationFactory()
    colleague = UserFactory()
    customer = ContactFactory(lifecycle_stage="customer")
    employee = ContactFactory(organization_id=acme.pk)
    theirs = ContactFactory(owner=colleague)
    tagged = ContactFactory(tags=["VIP", "Messe"])
    ContactFactory()

    assert _ids(api.get("/api/v1/contacts", {"lifecycle_stage": "customer"})) == [str(customer.pk)]
    assert _ids(api.get("/api/v1/contacts", {"organization_id": str(acme.pk)})) == [
        str(employee.pk)
    ]
    assert _ids(api.get("/api/v1/contacts", {"owner_id": colleague.pk})) == [str(theirs.pk)]
    assert _ids(api.get("/api/v1/contacts", {"tag": "vip"})) == [str(tagged.pk)]
    assert _ids(api.get("/api/v1/contacts", {"tag": "VIP", "lifecycle_stage": "customer"})) == []


def test_a_contact_is_listed_once_however_many_of_its_tags_match(api):
    tagged = ContactFactory(tags=["VIP"])
    # An administrator may have made a tag differing only in case.
    tagged.tags.create(name="vip")

    assert _ids(api.get("/api/v1/contacts", {"tag": "vip"})) == [str(tagged.pk)]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"lifecycle_stage": "hot"},
        {"organization_id": "acme"},
        {"owner_id": "me"},
        {"owner_id": 2**64},
        {"cursor": "not a cursor"},
        {"q": "x" * 201},
    ],
)
def test_it_rejects_invalid_list_parameters(api, params):
    errors = field_errors(api.get("/api/v1/contacts", params))

    assert set(errors) == {f"query.{next(iter(params))}"}


def test_pages_cover_every_contact_once_even_with_equal_creation_times(api):
    contacts = [ContactFactory() for _ in range(11)]
    # Rows made in one transaction (an import) share their creation time.
    same_time = timezone.now() - datetime.timedelta(days=1)
    Contact.objects.filter(pk__in=[c.pk for c in contacts[2:9]]).update(created_at=same_time)

    items = walk_pages(api, "/api/v1/contacts", limit=3)

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 11
    assert set(ids) == {str(c.pk) for c in contacts}


def test_a_contact_created_while_paging_neither_repeats_nor_hides_others(api):
    contacts = [ContactFactory() for _ in range(5)]
    first_page = api.get("/api/v1/contacts", {"limit": 2}).json()
    ContactFactory()

    rest = walk_pages(api, "/api/v1/contacts", limit=2, cursor=first_page["next"])

    seen = [item["id"] for item in first_page["items"] + rest]
    assert sorted(seen) == sorted(str(c.pk) for c in contacts)


def test_search_results_are_paged_too(api):
    for index in range(7):
        ContactFactory(last_name=f"Schmidt{index}", phones=[f"030 123456{index}"])
    ContactFactory(last_name="Meier")

    items = walk_pages(api, "/api/v1/contacts", q="030 12345", limit=2)

    assert len({item["id"] for item in items}) == len(items) == 7


def _list_queries(api, count: int) -> int:
    acme = OrganizationFactory(emails=["info@acme.de"])
    for index in range(count - Contact.objects.count()):
        ContactFactory(
            organization_id=acme.pk,
            emails=[f"c{index}@acme.de", f"c{index}@example.org"],
            phones=[f"030 1234{index:03d}"],
            tags=["VIP", f"t{index}"],
        )
    api.get("/api/v1/contacts")  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as queries:
        response = api.get("/api/v1/contacts", {"limit": 100})
    assert len(response.json()["items"]) == count
    return len(queries.work)


def test_the_number_of_queries_of_a_list_does_not_grow_with_its_length(api):
    few = _list_queries(api, 5)
    many = _list_queries(api, 40)

    assert many == few


def test_a_list_costs_a_query_per_kind_of_row(api, user):
    for index in range(20):
        ContactFactory(
            owner=user, emails=[f"c{index}@example.org"], phones=[f"030 1234{index:03d}"]
        )

    # Contacts with owner and organization, emails, phones, tags; before
    # them the search reads the page's ids tier by tier of relevance, one
    # query each until the page is full (kontor.contacts.search.RankedSearch):
    # an email fragment is in the last of the four. (On PostgreSQL a tier
    # of few rows is read whole and sorted in Python: still one query.)
    assert queries_of(api, "/api/v1/contacts", q="example", owner_id=user.pk) == 4 + 4


def test_a_filtered_list_costs_no_more_queries_than_a_plain_one(api):
    for index in range(10):
        ContactFactory(tags=["VIP"], emails=[f"c{index}@example.org"])
    api.get("/api/v1/contacts")
    with CaptureWorkQueries() as plain:
        api.get("/api/v1/contacts")
    with CaptureWorkQueries() as filtered:
        api.get("/api/v1/contacts", {"q": "example", "tag": "vip", "lifecycle_stage": "lead"})

    # The search reads the page's ids tier by tier of relevance, one query
    # per tier (kontor.contacts.search.RankedSearch), then the page as the
    # plain list does.
    assert len(filtered.work) == len(plain.work) + 4


def test_another_users_token_sees_the_same_contacts(api, user):
    contact = ContactFactory()
    other = api_client_for(UserFactory())

    assert _ids(other.get("/api/v1/contacts")) == [str(contact.pk)]
