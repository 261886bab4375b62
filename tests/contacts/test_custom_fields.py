import pytest

from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import contact_create, contact_update, organization_create
from kontor.core.exceptions import FieldErrors
from kontor.customfields.models import CustomFieldDefinition
from tests.contacts.api_support import (
    field_errors,
    stored_state,
)
from tests.factories import ContactFactory


def _define(key: str, field_type: str, object_type: str = "contact", **options):
    return CustomFieldDefinition.objects.create(
        object_type=object_type, key=key, label=key.title(), field_type=field_type, **options
    )


@pytest.fixture
def fields(db):
    _define("customer_number", "text")
    _define("revenue", "number")
    _define("birthday", "date")
    _define("newsletter", "boolean")
    _define("segment", "choice", choices=["A", "B", 3])


def _create(api, **custom):
    return api.post("/api/v1/contacts", {"first_name": "Anna", "custom": custom})


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("customer_number", "K-0815", "K-0815"),
        ("customer_number", "Müller & Söhne\nzweite Zeile", "Müller & Söhne\nzweite Zeile"),
        ("customer_number", "x" * 10_000, "x" * 10_000),
        ("revenue", 42, 42),
        ("revenue", -7, -7),
        ("revenue", 3.5, 3.5),
        ("revenue", "12,5", 12.5),
        ("revenue", " 1e3 ", 1000),
        ("revenue", 999_999_999_999_999, 999_999_999_999_999),
        ("birthday", "2024-02-29", "2024-02-29"),
        ("newsletter", True, True),
        ("newsletter", False, False),
        ("segment", "A", "A"),
        ("segment", 3, 3),
    ],
)
def test_it_accepts_valid_values_of_each_type(api, fields, key, value, stored):
    response = _create(api, **{key: value})

    assert response.status_code == 201, response.content
    assert response.json()["custom"] == {key: stored}
    assert Contact.objects.get().custom == {key: stored}


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("customer_number", 815, "must be text"),
        ("customer_number", True, "must be text"),
        ("customer_number", ["K"], "must be text"),
        ("customer_number", {"nested": {"junk": [1, 2]}}, "must be text"),
        ("customer_number", "x" * 10_001, "must be at most 10000 characters"),
        ("customer_number", "K\x00815", "must not contain NUL characters or unpaired surrogates"),
        ("customer_number", "K\ud800", "must not contain NUL characters or unpaired surrogates"),
        ("revenue", "a lot", "must be a number"),
        ("revenue", True, "must be a number"),
        ("revenue", [1], "must be a number"),
        ("revenue", {"amount": 1}, "must be a number"),
        ("revenue", "NaN", "must be a finite number"),
        ("revenue", "-Infinity", "must be a finite number"),
        ("revenue", 1e16, "must be between -10^15 and 10^15"),
        ("revenue", "1e999999999", "must be between -10^15 and 10^15"),
        ("revenue", "9" * 101, "must be a number"),
        ("birthday", "2023-02-29", "must be an existing date as YYYY-MM-DD"),
        ("birthday", "29.02.2024", "must be a date as YYYY-MM-DD"),
        ("birthday", "20240229", "must be a date as YYYY-MM-DD"),
        ("birthday", 20240229, "must be a date as YYYY-MM-DD"),
        ("birthday", "2024-W09-4", "must be a date as YYYY-MM-DD"),
        ("birthday", "2024-02-29T10:00:00", "must be a date as YYYY-MM-DD"),
        ("birthday", True, "must be a date as YYYY-MM-DD"),
        ("newsletter", "true", "must be true or false"),
        ("newsletter", 1, "must be true or false"),
        ("newsletter", "yes", "must be true or false"),
        ("segment", "C", "must be one of: A, B, 3"),
        ("segment", "a", "must be one of: A, B, 3"),
        ("segment", "3", "must be one of: A, B, 3"),
        ("segment", True, "must be one of: A, B, 3"),
        ("segment", ["A"], "must be one of: A, B, 3"),
    ],
)
def test_it_rejects_invalid_values_naming_the_field(api, fields, key, value, reason):
    response = _create(api, **{key: value})

    assert field_errors(response) == {f"body.custom.{key}": [reason]}
    assert not Contact.objects.exists()


def test_it_rejects_unknown_keys_and_names_the_known_ones(api, fields):
    response = _create(api, customer_numbr="K-1", revenue=1)

    assert field_errors(response) == {
        "body.custom.customer_numbr": [
            "is not a custom field here (known fields: "
            "birthday, customer_number, newsletter, revenue, segment)"
        ]
    }


def test_it_rejects_unknown_keys_when_no_field_is_defined(api, db):
    response = _create(api, anything="x")

    assert field_errors(response) == {
        "body.custom.anything": ["is not a custom field here (known fields: none are defined)"]
    }


def test_a_field_of_organizations_is_no_field_of_contacts(api, db):
    _define("vat_id", "text", object_type="organization")

    assert set(field_errors(_create(api, vat_id="DE123"))) == {"body.custom.vat_id"}
    response = api.post("/api/v1/organizations", {"name": "ACME", "custom": {"vat_id": "DE123"}})
    assert response.status_code == 201
    assert response.json()["custom"] == {"vat_id": "DE123"}


def test_organizations_values_are_validated_too(api, db):
    _define("employees", "number", object_type="organization")

    response = api.post("/api/v1/organizations", {"name": "ACME", "custom": {"employees": "many"}})

    assert field_errors(response) == {"body.custom.employees": ["must be a number"]}
    assert not Organization.objects.exists()


@pytest.mark.parametrize("custom", [["revenue", 1], "revenue=1", 42])
def test_custom_values_must_be_an_object(api, fields, custom):
    response = api.post("/api/v1/contacts", {"first_name": "Anna", "custom": custom})

    assert set(field_errors(response)) == {"body.custom"}


def test_all_invalid_values_are_reported_at_once(api, fields):
    response = _create(api, revenue="x", birthday="x", newsletter="x", segment="x")

    assert set(field_errors(response)) == {
        "body.custom.revenue",
        "body.custom.birthday",
        "body.custom.newsletter",
        "body.custom.segment",
    }


# Required fields -----------------------------------------------------------------


@pytest.fixture
def required_field(db):
    return _define("customer_number", "text", required=True)


def test_a_required_field_must_be_given_on_creation(api, required_field):
    assert field_errors(_create(api)) == {"body.custom.customer_number": ["is required"]}
    assert field_errors(api.post("/api/v1/contacts", {"first_name": "Anna"})) == {
        "body.custom.customer_number": ["is required"]
    }
    assert field_errors(_create(api, customer_number=None)) == {
        "body.custom.customer_number": ["is required"]
    }
    assert field_errors(_create(api, customer_number="")) == {
        "body.custom.customer_number": ["is required"]
    }
    assert _create(api, customer_number="K-1").status_code == 201


def test_a_required_field_cannot_be_cleared(api, required_field):
    contact_id = _create(api, customer_number="K-1").json()["id"]
    contact = Contact.objects.get(pk=contact_id)
    before = stored_state(contact)

    response = api.patch(f"/api/v1/contacts/{contact_id}", {"custom": {"customer_number": None}})

    assert field_errors(response) == {"body.custom.customer_number": ["is required"]}
    assert stored_state(contact) == before


def test_a_record_made_before_a_field_became_required_stays_editable(api, db):
    contact = ContactFactory(first_name="Anna")
    _define("customer_number", "text", required=True)
    _define("segment", "choice", choices=["A", "B"])

    renamed = api.patch(f"/api/v1/contacts/{contact.pk}", {"first_name": "Anne"})
    segmented = api.patch(f"/api/v1/contacts/{contact.pk}", {"custom": {"segment": "B"}})

    assert renamed.status_code == 200
    assert segmented.status_code == 200
    assert segmented.json()["custom"] == {"segment": "B"}


# Updates ---------------------------------------------------------------------------


def test_a_patch_changes_only_the_custom_values_it_sends(api, fields):
    contact_id = _create(api, customer_number="K-1", revenue=10).json()["id"]

    response = api.patch(
        f"/api/v1/contacts/{contact_id}", {"custom": {"revenue": 20, "newsletter": True}}
    )

    assert response.json()["custom"] == {
        "customer_number": "K-1",
        "revenue": 20,
        "newsletter": True,
    }


def test_null_clears_an_optional_value(api, fields):
    contact_id = _create(api, customer_number="K-1", revenue=10).json()["id"]

    response = api.patch(f"/api/v1/contacts/{contact_id}", {"custom": {"revenue": None}})

    assert response.json()["custom"] == {"customer_number": "K-1"}


def test_a_patch_with_an_invalid_value_changes_nothing(api, fields):
    contact_id = _create(api, customer_number="K-1").json()["id"]
    contact = Contact.objects.get(pk=contact_id)
    before = stored_state(contact)

    response = api.patch(
        f"/api/v1/contacts/{contact_id}",
        {"first_name": "Anne", "custom": {"customer_number": "K-2", "birthday": "someday"}},
    )

    assert set(field_errors(response)) == {"body.custom.birthday"}
    assert stored_state(contact) == before


# Every write path ------------------------------------------------------------------


def test_the_services_validate_values_for_every_caller(fields, user):
    with pytest.raises(FieldErrors) as created:
        contact_create(actor=user, data={"first_name": "A", "custom": {"revenue": "x"}})
    contact = contact_create(actor=user, data={"first_name": "A", "custom": {"revenue": "7"}})
    with pytest.raises(FieldErrors) as updated:
        contact_update(actor=user, contact=contact, data={"custom": {"segment": "Z"}})
    with pytest.raises(FieldErrors) as organization:
        organization_create(actor=user, data={"name": "A", "custom": {"revenue": 1}})

    assert created.value.errors == {"custom.revenue": ["must be a number"]}
    assert contact.custom == {"revenue": 7}
    assert updated.value.errors == {"custom.segment": ["must be one of: A, B, 3"]}
    assert set(organization.value.errors) == {"custom.revenue"}


def test_an_administrator_defines_a_field_in_the_admin(client, admin_user):
    logged_in = client.post(
        "/accounts/login/", {"username": "boss", "password": "correct horse battery"}
    )
    assert logged_in.status_code == 302

    response = client.post(
        "/admin/customfields/customfielddefinition/add/",
        {
            "object_type": "contact",
            "key": "shoe_size",
            "label": "Shoe size",
            "field_type": "number",
            "choices": "[]",
            "help_text": "",
            "position": "0",
        },
    )

    assert response.status_code == 302, response.content
    assert CustomFieldDefinition.objects.get().key == "shoe_size"
