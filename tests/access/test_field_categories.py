"""Field categories: a field a user may not read is absent everywhere;
financial and special values are encrypted at rest and their reads audited."""

import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from kontor.access import sensitive
from kontor.access.models import Role
from kontor.access.services import field_category_set
from kontor.audit.models import AuditEntry
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_create, contact_update
from kontor.core.encryption import InvalidToken
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.customfields.models import CustomFieldDefinition
from tests.conftest import api_client_for
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_personal(db):
    """A role that reads every record but only standard fields."""
    role = Role.objects.create(
        slug="standard-only",
        name="standard only",
        levels={"*": {"read": "all", "create": "all", "edit": "all"}},
        categories={"standard": "edit"},
    )
    user = UserFactory(username="plain", roles=[])
    user.kontor_roles.set([role])
    return user


@pytest.fixture
def credit(db):
    return CustomFieldDefinition.objects.create(
        object_type="contact",
        key="credit_rating",
        label="Credit rating",
        field_type="text",
        category="financial",
    )


@pytest.fixture
def health(db):
    return CustomFieldDefinition.objects.create(
        object_type="contact", key="health", label="Health", field_type="text", category="special"
    )


def _raw_row(contact: Contact) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT custom, custom_sensitive FROM contacts_contact WHERE id = %s",
            [contact.pk.hex if connection.vendor == "sqlite" else contact.pk],
        )
        custom, sensitive = cursor.fetchone()
    return f"{custom} {sensitive}"


def test_phones_a_role_may_not_read_are_absent_from_json_search_and_lookup(without_personal):
    contact = ContactFactory(first_name="Paula", phones=["030 4455667"], emails=["p@ex.example"])
    api = api_client_for(without_personal)

    body = api.get(f"/api/v1/contacts/{contact.pk}").json()
    listed = api.get("/api/v1/contacts").json()["items"][0]

    assert "phones" not in body and "emails" not in body
    assert "phones" not in listed
    assert api.get("/api/v1/contacts", {"q": "4455667"}).json()["items"] == []
    assert api.get("/api/v1/contacts", {"q": "Paula"}).json()["items"] != []
    assert api.get("/api/v1/lookup", {"phone": "030 4455667"}).json()["matches"] == []
    overview = api.get(f"/api/v1/contacts/{contact.pk}/overview").json()
    assert "phones" not in overview["contact"]
    assert "phone" not in overview["missing_fields"]


def test_a_nameless_contact_is_not_named_by_a_number_the_user_may_not_read(without_personal):
    contact = ContactFactory(first_name="", last_name="", phones=["030 4455667"])
    api = api_client_for(without_personal)

    assert api.get(f"/api/v1/contacts/{contact.pk}").json()["display_name"] == ""
    assert "4455667" not in api.get("/api/v1/contacts").content.decode()


def test_changing_a_field_one_may_read_but_not_edit_is_a_403(without_personal):
    read_only_personal = Role.objects.get(slug="read-only")
    user = UserFactory(roles=["sales"])
    user.kontor_roles.add(read_only_personal)
    Role.objects.filter(slug="sales").update(categories={"standard": "edit", "personal": "read"})
    contact = ContactFactory(owner=user)

    with pytest.raises(PermissionDenied):
        contact_update(actor=user, contact=contact, data={"phones": ["030 1234567"]})
    contact_update(actor=user, contact=contact, data={"lifecycle_stage": "customer"})


def test_financial_values_are_encrypted_at_rest_and_shown_only_to_who_may_read_them(credit):
    owner = UserFactory(roles=["administrator"])
    contact = contact_create(
        actor=owner, data={"first_name": "Max", "custom": {"credit_rating": "B-rated"}}
    )

    row = _raw_row(contact)
    assert "B-rated" not in row and "credit_rating" not in row
    assert Contact.objects.get(pk=contact.pk).custom == {}

    sales = api_client_for(UserFactory(username="s", roles=["sales"], teams=[]))
    service = api_client_for(UserFactory(username="v", roles=["service"]))
    assert service.get(f"/api/v1/contacts/{contact.pk}").json()["custom"] == {}
    assert sales.get(f"/api/v1/contacts/{contact.pk}").status_code == 404
    admin = api_client_for(owner)
    assert admin.get(f"/api/v1/contacts/{contact.pk}").json()["custom"] == {
        "credit_rating": "B-rated"
    }


def test_special_values_only_for_the_data_protection_officer_and_administrators(health):
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(actor=admin, data={"first_name": "Ina", "custom": {"health": "x"}})
    for slug, sees in [
        ("data-protection-officer", True),
        ("service", False),
        ("read-only", False),
        ("team-lead", False),
        ("administrator", True),
    ]:
        api = api_client_for(UserFactory(username=f"u-{slug}", roles=[slug]))
        body = api.get(f"/api/v1/contacts/{contact.pk}")
        custom = body.json()["custom"] if body.status_code == 200 else {}
        assert ("health" in custom) is sees, slug


def test_reading_a_sensitive_value_is_recorded_once_per_request(credit):
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(
        actor=admin, data={"first_name": "Max", "custom": {"credit_rating": "A"}}
    )
    dpo = UserFactory(username="dpo", roles=["data-protection-officer"])

    api_client_for(dpo).get(f"/api/v1/contacts/{contact.pk}/overview")

    reads = AuditEntry.objects.filter(action="read", actor=dpo)
    assert [(r.object_id, r.fields, r.sensitive) for r in reads] == [
        (str(contact.pk), ["custom.credit_rating"], True)
    ]


def test_an_unreadable_custom_field_cannot_be_written_nor_is_it_named_in_errors(health):
    user = UserFactory(roles=["service"])
    contact = ContactFactory(owner=user)

    with pytest.raises(FieldErrors) as refused:
        contact_update(actor=user, contact=contact, data={"custom": {"health": "x"}})
    with pytest.raises(FieldErrors) as typo:
        contact_update(actor=user, contact=contact, data={"custom": {"helth": "x"}})

    assert "health" in str(refused.value.errors)
    assert "health" not in json.dumps(typo.value.errors["custom.helth"])


def test_a_sensitive_value_survives_an_edit_by_someone_who_may_not_see_it(health):
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(actor=admin, data={"first_name": "Ina", "custom": {"health": "x"}})
    service = UserFactory(username="v", roles=["service"])

    contact_update(actor=service, contact=contact, data={"notes": "called"})

    api = api_client_for(admin)
    assert api.get(f"/api/v1/contacts/{contact.pk}").json()["custom"] == {"health": "x"}


def test_recategorizing_a_custom_field_moves_its_values_into_and_out_of_encryption(db):
    definition = CustomFieldDefinition.objects.create(
        object_type="contact", key="limit", label="Limit", field_type="text"
    )
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(actor=admin, data={"first_name": "Kai", "custom": {"limit": "5000"}})
    assert "5000" in _raw_row(contact)

    field_category_set(
        actor=admin, object_type_key="contact", field="custom.limit", category="financial"
    )
    assert "5000" not in _raw_row(contact)
    definition.refresh_from_db()
    assert definition.category == "financial"

    field_category_set(
        actor=admin, object_type_key="contact", field="custom.limit", category="personal"
    )
    assert "5000" in _raw_row(contact)


def test_the_field_categories_api_lists_and_changes_categories(credit):
    admin = api_client_for(UserFactory(username="a", roles=["administrator"]))

    listed = admin.get("/api/v1/field-categories").json()["items"]
    phones = next(f for f in listed if f["object_type"] == "contact" and f["field"] == "phones")
    custom = next(f for f in listed if f["field"] == "custom.credit_rating")
    changed = admin.post(
        "/api/v1/field-categories",
        {"object_type": "contact", "field": "phones", "category": "standard"},
    )
    refused = admin.post(
        "/api/v1/field-categories",
        {"object_type": "contact", "field": "phones", "category": "special"},
    )

    assert phones["category"] == "personal"
    assert custom == {
        "object_type": "contact",
        "field": "custom.credit_rating",
        "label": "Credit rating",
        "category": "financial",
        "categories": ["standard", "personal", "financial", "special"],
        "custom": True,
    }
    assert changed.status_code == 200 and changed.json()["category"] == "standard"
    assert refused.status_code == 422
    assert AuditEntry.objects.filter(object_type="access.fieldcategory").count() == 1


def test_only_administrators_see_and_change_field_categories(db):
    api = api_client_for(UserFactory(roles=["data-protection-officer"]))

    assert api.get("/api/v1/field-categories").status_code == 403
    body = {"object_type": "contact", "field": "notes", "category": "personal"}
    assert api.post("/api/v1/field-categories", body).status_code == 403


# Encrypted custom values (kontor.access.sensitive) -------------------------------


def test_values_are_encrypted_as_one_token_and_none_as_nothing():
    token = sensitive.encrypt_values({"b": 2, "a": "in plain text"})

    assert token and "plain text" not in token  # no space in a Fernet token
    assert sensitive.decrypt_values(token) == {"a": "in plain text", "b": 2}
    assert sensitive.encrypt_values({}) == ""
    assert sensitive.decrypt_values("") == {}
    with pytest.raises(InvalidToken):
        sensitive.decrypt_values(Fernet(Fernet.generate_key()).encrypt(b"{}").decode())


def test_values_are_sorted_by_name_before_encryption(monkeypatch):
    monkeypatch.setattr(sensitive, "encrypt", lambda text: text)

    assert sensitive.encrypt_values({"b": 2, "a": "x"}) == '{"a": "x", "b": 2}'


def test_values_are_stored_by_their_fields_category(health):
    contact = ContactFactory()
    contact.custom_sensitive = sensitive.encrypt_values({"old": "kept secret"})
    contact._kontor_sensitive_values = None
    categories = {"limit": "financial", "health": "special", "colour": "personal", "size": ""}

    sensitive.store_custom_values(
        contact,
        {"limit": 5, "health": "flu", "colour": "red", "size": "L", "old": "kept secret", "x": 1},
        categories,
    )

    assert contact.custom == {"colour": "red", "size": "L", "x": 1}
    assert sensitive.decrypt_values(contact.custom_sensitive) == {
        "limit": 5,
        "health": "flu",
        "old": "kept secret",  # no definition any more: it stays encrypted
    }
    assert sensitive.sensitive_values(contact) == sensitive.decrypt_values(contact.custom_sensitive)
    assert sensitive.all_custom_values(contact) == {
        "colour": "red",
        "size": "L",
        "x": 1,
        "limit": 5,
        "health": "flu",
        "old": "kept secret",
    }


def test_values_no_key_opens_are_left_out_and_logged_unless_strict(caplog):
    contact = ContactFactory()
    contact.custom = {"colour": "red"}
    contact.custom_sensitive = Fernet(Fernet.generate_key()).encrypt(b'{"a": 1}').decode()
    contact._kontor_sensitive_values = None

    assert sensitive.sensitive_values(contact) == {}
    assert sensitive.all_custom_values(contact) == {"colour": "red"}
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot decrypt the sensitive values of contacts.Contact {contact.pk}"
    ] * 2
    with pytest.raises(InvalidToken):
        sensitive.sensitive_values(contact, strict=True)
    with pytest.raises(InvalidToken):
        sensitive.all_custom_values(contact, strict=True)
    with pytest.raises(InvalidToken):
        sensitive.store_custom_values(contact, {"a": 2}, {"a": "financial"})


def test_decrypted_values_are_kept_on_the_record(monkeypatch):
    contact = ContactFactory()
    contact.custom_sensitive = sensitive.encrypt_values({"a": 1})
    contact._kontor_sensitive_values = None
    calls = []
    decrypt = sensitive.decrypt
    monkeypatch.setattr(sensitive, "decrypt", lambda token: calls.append(token) or decrypt(token))

    assert sensitive.sensitive_values(contact) == {"a": 1}
    assert sensitive.sensitive_values(contact) == {"a": 1}
    assert len(calls) == 1


def test_readable_values_are_the_users_and_reading_encrypted_ones_is_recorded(credit, health):
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(
        actor=admin,
        data={"first_name": "Eva", "custom": {"credit_rating": "A", "health": "flu"}},
    )
    contact.custom_sensitive = sensitive.encrypt_values(
        {**sensitive.sensitive_values(contact), "gone": "secret"}
    )
    contact.custom = {**contact.custom, "plain": "p"}
    contact._kontor_sensitive_values = None
    rep = UserFactory(username="s", roles=["sales"])
    officer = UserFactory(username="d", roles=["data-protection-officer"])
    reads = AuditEntry.objects.filter(action="read", sensitive=True)

    assert sensitive.readable_custom_values(rep, contact, "contact") == {
        "credit_rating": "A",
        "plain": "p",
    }
    assert list(reads.values_list("actor_id", "fields")) == [(rep.pk, ["custom.credit_rating"])]
    assert sensitive.readable_custom_values(officer, contact, "contact") == {
        "credit_rating": "A",
        "health": "flu",
        "gone": "secret",
        "plain": "p",
    }
    assert list(reads.filter(actor=officer).values_list("fields", flat=True)) == [
        ["custom.credit_rating", "custom.gone", "custom.health"]
    ]
    contact.custom_sensitive = ""
    contact._kontor_sensitive_values = None
    assert sensitive.readable_custom_values(officer, contact, "contact") == {"plain": "p"}
    assert reads.count() == 2


def test_plain_values_of_a_category_the_user_may_not_read_are_left_out(without_personal):
    for key, category in (("hobby", "personal"), ("size", "standard")):
        CustomFieldDefinition.objects.create(
            object_type="contact", key=key, label=key, field_type="text", category=category
        )
    admin = UserFactory(username="a", roles=["administrator"])
    contact = contact_create(
        actor=admin, data={"first_name": "Eva", "custom": {"hobby": "chess", "size": "L"}}
    )

    assert sensitive.readable_custom_values(without_personal, contact, "contact") == {"size": "L"}
