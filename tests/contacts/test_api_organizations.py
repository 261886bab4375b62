import datetime

import pytest
from django.utils import timezone

from kontor.contacts.models import EmailAddress, Organization
from tests.contacts.api_support import (
    field_errors,
    stored_state,
    walk_pages,
)
from tests.factories import ContactFactory, OrganizationFactory, UserFactory
from tests.query_counts import CaptureWorkQueries

ORGANIZATION_FIELDS = {
    "id",
    "name",
    "website",
    "emails",
    "phones",
    "lifecycle_stage",
    "tags",
    "custom",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
}


def email_out(address: str, label: str = "work") -> dict:
    """An email address as the API shows it, with nothing said about its delivery."""
    return {"address": address, "label": label, "bouncing": False, "bounce_reason": "",
            "bounced_at": None, "temporary_failures": 0, "do_not_email": False,
            "do_not_email_reason": ""}  # fmt: skip


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# Create --------------------------------------------------------------------------


def test_it_creates_an_organization_with_every_field(api, user):
    response = api.post(
        "/api/v1/organizations",
        {
            "name": "ACME Maschinenbau GmbH",
            "website": "https://www.acme.de/",
            "lifecycle_stage": "customer",
            "emails": [{"address": "info@acme.de", "label": "main"}],
            "phones": [{"number": "+49 89 123456", "label": "main"}],
            "tags": ["Key account"],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= ORGANIZATION_FIELDS
    assert body["name"] == body["display_name"] == "ACME Maschinenbau GmbH"
    assert body["website"] == "https://www.acme.de/"
    assert body["domain"] == "acme.de"
    assert body["emails"] == [email_out("info@acme.de", "main")]
    assert body["phones"] == [{"number": "+4989123456", "raw": "+49 89 123456", "label": "main"}]
    assert body["tags"] == ["Key account"]
    assert body["owner_id"] == user.pk
    assert body["version"] == 1
    assert response["Location"] == f"/api/v1/organizations/{body['id']}"
    assert response["ETag"] == '"1"'


def test_an_organization_known_only_by_its_website_is_named_after_its_domain(api):
    response = api.post("/api/v1/organizations", {"website": "https://www.Bücher.de/shop"})

    assert response.status_code == 201
    assert response.json()["name"] == "xn--bcher-kva.de"
    assert response.json()["domain"] == "xn--bcher-kva.de"


def test_an_organization_known_only_by_an_email_address_is_named_after_its_domain(api):
    response = api.post("/api/v1/organizations", {"email": "info@acme.de"})

    assert response.status_code == 201
    assert response.json()["name"] == "acme.de"
    assert response.json()["emails"] == [email_out("info@acme.de", "work")]


def test_it_rejects_an_organization_without_any_identifier(api):
    assert field_errors(api.post("/api/v1/organizations", {"phone": "030 1234567"})) == {
        "body.name": ["Give a name, a website or an email address."]
    }
    assert field_errors(api.post("/api/v1/organizations", {})) == {
        "body.name": ["Give a name, a website or an email address."]
    }
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "email": "info@"}, "body.email"),
        ({"name": "A", "phone": "not a number"}, "body.phone"),
        ({"name": "A", "phones": [{"number": "0"}]}, "body.phones.0.number"),
        ({"name": "x" * 256}, "body.name"),
        ({"name": "A", "first_name": "B"}, "body.first_name"),
        ({"name": "A", "organization_id": None}, "body.organization_id"),
        ({"name": "A\x00"}, "body.name"),
        ({"name": "A", "lifecycle_stage": "gone"}, "body.lifecycle_stage"),
    ],
)
def test_it_rejects_invalid_fields(api, body, field):
    assert field in field_errors(api.post("/api/v1/organizations", body))
    assert not Organization.objects.exists()


# Read, update, delete ---------------------------------------------------------------


def test_it_shows_an_organization(api):
    organization = OrganizationFactory(name="ACME", website="acme.de", phones=["089 123456"])

    response = api.get(f"/api/v1/organizations/{organization.pk}")

    assert response.status_code == 200
    assert response.json()["phones"][0]["number"] == "+4989123456"
    assert api.get("/api/v1/organizations/nope").status_code == 404
    assert api.get(f"/api/v1/contacts/{organization.pk}").status_code == 404


def test_a_new_website_changes_the_domain(api):
    organization = OrganizationFactory(name="ACME", website="acme.de")

    response = api.patch(
        f"/api/v1/organizations/{organization.pk}", {"website": "https://acme-group.com"}
    )

    assert response.json()["domain"] == "acme-group.com"
    assert response.json()["name"] == "ACME"
    assert response.json()["version"] == 2


def test_a_patch_cannot_empty_the_name_of_an_organization_without_website(api):
    organization = OrganizationFactory(name="ACME")

    response = api.patch(f"/api/v1/organizations/{organization.pk}", {"name": ""})

    assert field_errors(response) == {"body.name": ["An organization needs a name."]}


def test_a_patch_with_a_stale_version_changes_nothing(api):
    organization = OrganizationFactory(
        name="ACME", website="acme.de", emails=["info@acme.de"], tags=["A"]
    )
    api.patch(f"/api/v1/organizations/{organization.pk}", {"lifecycle_stage": "customer"})
    before = stored_state(organization)

    response = api.patch(
        f"/api/v1/organizations/{organization.pk}",
        {"name": "ACME AG", "website": "", "emails": [], "tags": [], "version": 1},
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert stored_state(organization) == before


def test_a_patch_with_a_stale_if_match_changes_nothing(api):
    organization = OrganizationFactory(name="ACME")
    api.patch(f"/api/v1/organizations/{organization.pk}", {"name": "ACME AG"})
    before = stored_state(organization)

    response = api.patch(
        f"/api/v1/organizations/{organization.pk}", {"name": "X"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 409
    assert stored_state(organization) == before


def test_deleting_an_organization_keeps_its_people(api):
    organization = OrganizationFactory(emails=["info@acme.de"])
    person = ContactFactory(organization_id=organization.pk)

    response = api.delete(f"/api/v1/organizations/{organization.pk}")

    assert response.status_code == 204
    assert api.get(f"/api/v1/organizations/{organization.pk}").status_code == 404
    assert api.get(f"/api/v1/contacts/{person.pk}").json()["organization_id"] is None
    assert not EmailAddress.objects.filter(organization__isnull=False).exists()


def test_a_contact_shows_its_organization(api):
    organization = OrganizationFactory(name="ACME")
    person = ContactFactory(organization_id=organization.pk)

    body = api.get(f"/api/v1/contacts/{person.pk}").json()

    assert body["organization_id"] == str(organization.pk)
    assert body["organization"] == {"id": str(organization.pk), "name": "ACME"}


# List ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme", {"acme"}),
        ("ACME maschinen", {"acme"}),
        ("acme.de", {"acme"}),
        ("INFO@ACME", {"acme"}),
        ("bücher", {"books"}),
        ("089 123456", {"acme"}),
        ("+49 89 123456", {"acme"}),
        ("123456", {"acme"}),
        ("gmbh", {"acme", "books"}),
        ("nothing", set()),
    ],
)
def test_search_finds_names_websites_addresses_and_numbers(api, q, expected):
    organizations = {
        "acme": OrganizationFactory(
            name="ACME Maschinenbau GmbH",
            website="www.acme.de",
            emails=["info@acme.de"],
            phones=["089 123456"],
        ),
        "books": OrganizationFactory(name="Bücher GmbH", website="https://bücher.de"),
    }

    found = set(_ids(api.get("/api/v1/organizations", {"q": q})))

    assert {name for name, o in organizations.items() if str(o.pk) in found} == expected


def test_it_filters_organizations_by_lifecycle_stage_owner_and_tag(api):
    colleague = UserFactory()
    customer = OrganizationFactory(lifecycle_stage="customer")
    theirs = OrganizationFactory(owner=colleague)
    tagged = OrganizationFactory(tags=["Partner"])

    assert _ids(api.get("/api/v1/organizations", {"lifecycle_stage": "customer"})) == [
        str(customer.pk)
    ]
    assert _ids(api.get("/api/v1/organizations", {"owner_id": colleague.pk})) == [str(theirs.pk)]
    assert _ids(api.get("/api/v1/organizations", {"tag": "partner"})) == [str(tagged.pk)]
    assert len(_ids(api.get("/api/v1/organizations"))) == 3


def test_pages_cover_every_organization_once_even_with_equal_creation_times(api):
    organizations = [OrganizationFactory() for _ in range(9)]
    same_time = timezone.now() - datetime.timedelta(hours=3)
    Organization.objects.update(created_at=same_time)

    items = walk_pages(api, "/api/v1/organizations", limit=2)

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 9
    assert set(ids) == {str(o.pk) for o in organizations}


def test_it_rejects_a_cursor_of_garbage(api):
    response = api.get("/api/v1/organizations", {"cursor": "eyJ4IjogMX0"})

    assert field_errors(response) == {"query.cursor": ["is not a cursor this list handed out"]}


def _list_queries(api, count: int) -> int:
    for index in range(count - Organization.objects.count()):
        OrganizationFactory(
            emails=[f"info@o{index}.de"], phones=[f"089 1234{index:02d}"], tags=["A", f"t{index}"]
        )
    api.get("/api/v1/organizations")  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as queries:
        response = api.get("/api/v1/organizations", {"limit": 100})
    assert len(response.json()["items"]) == count
    return len(queries.work)


def test_the_number_of_queries_of_a_list_does_not_grow_with_its_length(api):
    assert _list_queries(api, 5) == _list_queries(api, 40)
