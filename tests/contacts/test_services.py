"""The services and selectors as the web UI, imports and the demo data call
them: with plain Python values, not only what the API's schemas let through."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kontor.contacts import selectors
from kontor.contacts.models import Contact, Tag
from kontor.contacts.services import (
    contact_create,
    contact_delete,
    contact_update,
    organization_create,
    organization_update,
)
from kontor.core.exceptions import FieldErrors, VersionConflict
from tests.contacts.api_support import stored_state
from tests.factories import ContactFactory, OrganizationFactory, UserFactory


def _errors(write) -> dict[str, list[str]]:
    with pytest.raises(FieldErrors) as raised:
        write()
    return raised.value.errors


# Contacts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "display_name"),
    [
        ({"first_name": "Anna", "last_name": "Schmidt"}, "Anna Schmidt"),
        ({"last_name": "Schmidt", "emails": ["a@example.com"]}, "Schmidt"),
        ({"emails": ["a@example.com"], "phones": ["030 1234567"]}, "a@example.com"),
        ({"phones": ["030 1234567"]}, "030 1234567"),
    ],
)
def test_the_display_name_is_the_name_else_the_first_address_or_number(user, data, display_name):
    assert contact_create(actor=user, data=data).display_name == display_name


def test_the_display_name_follows_changes(user):
    contact = contact_create(actor=user, data={"emails": ["a@example.com"]})

    contact_update(actor=user, contact=contact, data={"first_name": "Anna"})
    assert contact.display_name == "Anna"
    contact_update(actor=user, contact=contact, data={"first_name": "", "phones": ["0301234567"]})
    assert Contact.objects.get().display_name == "a@example.com"


def test_the_acting_user_owns_a_new_contact_unless_another_owner_is_given(user):
    colleague = UserFactory()

    assert contact_create(actor=user, data={"first_name": "A"}).owner == user
    assert contact_create(actor=user, data={"first_name": "A", "owner_id": None}).owner is None
    assert (
        contact_create(actor=user, data={"first_name": "A", "owner_id": colleague.pk}).owner
        == colleague
    )
    assert (
        contact_create(actor=user, data={"first_name": "A", "owner_id": str(colleague.pk)}).owner
        == colleague
    )


@pytest.mark.parametrize("owner_id", ["abc", "", 0, -1, 2**64, True, 1.5, [1], {"id": 1}])
def test_it_rejects_an_owner_that_is_no_user_id(user, owner_id):
    errors = _errors(
        lambda: contact_create(actor=user, data={"first_name": "A", "owner_id": owner_id})
    )

    assert errors == {"owner_id": ["is not an active user"]}


@pytest.mark.parametrize("organization_id", ["acme", 42, "0190e123-4567-789a-bcde-f0123456789a"])
def test_it_rejects_an_organization_that_is_no_organization(user, organization_id):
    errors = _errors(
        lambda: contact_create(
            actor=user, data={"first_name": "A", "organization_id": organization_id}
        )
    )

    assert errors == {"organization_id": ["is not an existing organization"]}


def test_it_accepts_an_organization_id_as_text(user):
    acme = OrganizationFactory()

    contact = contact_create(actor=user, data={"first_name": "A", "organization_id": str(acme.pk)})

    assert contact.organization == acme


def test_a_contact_cannot_be_attached_to_an_organization_its_author_cannot_see(db):
    rep = UserFactory(roles=["sales"])
    hidden = OrganizationFactory()  # another user's

    errors = _errors(
        lambda: contact_create(actor=rep, data={"first_name": "A", "organization_id": hidden.pk})
    )

    assert errors == {"organization_id": ["is not an existing organization"]}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("first_name", "An\x00na", "must not contain NUL characters or unpaired surrogates"),
        ("last_name", "\udcff", "must not contain NUL characters or unpaired surrogates"),
        ("notes", "a\x00", "must not contain NUL characters or unpaired surrogates"),
        ("first_name", 42, "must be text"),
        ("last_name", "x" * 151, "must be at most 150 characters"),
        ("lifecycle_stage", None, "must be one of: lead, prospect, customer, former"),
        ("lifecycle_stage", ["lead"], "must be one of: lead, prospect, customer, former"),
        ("emails", "a@example.com", "must be a list"),
        ("phones", {"number": "030 1234567"}, "must be a list"),
        ("tags", "VIP", "must be a list"),
        ("emails", [f"a{i}@example.com" for i in range(51)], "must have at most 50 entries"),
    ],
)
def test_it_rejects_invalid_values_from_any_caller(user, field, value, reason):
    errors = _errors(lambda: contact_create(actor=user, data={"first_name": "A", field: value}))

    assert errors == {field: [reason]}


def test_a_label_that_is_no_text_is_refused_by_name(user):
    errors = _errors(
        lambda: contact_create(
            actor=user, data={"phones": [{"number": "030 1234567", "label": ["work"]}]}
        )
    )

    assert list(errors) == ["phones[0].label"]


def test_it_names_invalid_items_by_their_position(user):
    errors = _errors(
        lambda: contact_create(
            actor=user,
            data={
                "emails": [{"address": "ok@example.com"}, {"address": "x@", "label": "work"}],
                "phones": [{"number": "030 1234567", "label": "pager"}, None],
                "tags": ["ok", "", "x\x00"],
            },
        )
    )

    assert set(errors) == {
        "emails[1].address",
        "phones[0].label",
        "phones[1].number",
        "tags[1]",
        "tags[2]",
    }


def test_it_rejects_fields_it_does_not_know(user):
    errors = _errors(lambda: contact_create(actor=user, data={"first_name": "A", "email": "x"}))

    assert errors == {"email": ["is not a field of this record"]}


def test_the_same_address_or_number_is_kept_once(user):
    contact = contact_create(
        actor=user,
        data={
            "emails": ["anna@example.com", {"address": "ANNA@example.com", "label": "private"}],
            "phones": ["030 1234567", "+49 30 1234567", "030 1234567 ext. 12"],
        },
    )

    assert [e.address for e in contact.emails.all()] == ["anna@example.com"]
    assert [(p.raw, p.extension) for p in contact.phones.all()] == [
        ("030 1234567", ""),
        ("030 1234567 ext. 12", "12"),
    ]


def test_contact_points_keep_their_order_and_labels(user):
    contact = contact_create(
        actor=user,
        data={
            "phones": [
                {"number": "0170 1234567", "label": "mobile"},
                {"number": "030 1234567", "label": "work"},
            ]
        },
    )

    assert [(p.e164, p.label, p.digits) for p in contact.phones.all()] == [
        ("+491701234567", "mobile", "491701234567"),
        ("+49301234567", "work", "49301234567"),
    ]


def test_tags_are_shared_and_matched_without_regard_to_case(user):
    first = contact_create(actor=user, data={"first_name": "A", "tags": ["VIP", "vip", " Messe "]})
    second = contact_create(actor=user, data={"first_name": "B", "tags": ["messe"]})

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Messe", "VIP"]
    assert sorted(first.tags.values_list("name", flat=True)) == ["Messe", "VIP"]
    assert list(second.tags.values_list("name", flat=True)) == ["Messe"]


def test_null_lists_leave_a_contact_as_it_is_and_empty_lists_clear_it(user):
    contact = ContactFactory(emails=["a@example.com"], phones=["030 1234567"], tags=["VIP"])

    contact_update(actor=user, contact=contact, data={"emails": None, "tags": None})
    assert (contact.emails.count(), contact.tags.count()) == (1, 1)
    contact_update(actor=user, contact=contact, data={"phones": [], "tags": []})
    assert (contact.phones.count(), contact.tags.count()) == (0, 0)


def test_every_update_that_changes_something_counts_up_the_version(user):
    contact = ContactFactory()

    contact_update(actor=user, contact=contact, data={"first_name": "Y"})
    contact_update(actor=user, contact=contact, data={"first_name": "X"}, expected_version=2)

    assert Contact.objects.get().version == contact.version == 3


def test_an_update_of_a_stale_version_changes_nothing(user):
    contact = ContactFactory(first_name="Anna", emails=["a@example.com"], tags=["VIP"])
    stale = Contact.objects.get(pk=contact.pk)
    contact_update(actor=user, contact=contact, data={"last_name": "Schmidt"})
    before = stored_state(contact)

    with pytest.raises(VersionConflict) as conflict:
        contact_update(
            actor=user,
            contact=stale,
            data={"first_name": "X", "emails": [], "tags": ["Y"], "phones": ["0301234567"]},
            expected_version=1,
        )

    assert conflict.value.current_version == 2
    assert stored_state(contact) == before


def test_deleting_a_contact_deletes_its_contact_points(user):
    contact = ContactFactory(emails=["a@example.com"], phones=["030 1234567"])

    contact_delete(actor=user, contact=contact)

    assert not Contact.objects.exists()
    assert selectors.lookup_phone(user=user, number="030 1234567") == []


# Organizations ------------------------------------------------------------------------


def test_an_organization_takes_its_domain_from_its_website(user):
    organization = organization_create(actor=user, data={"name": "ACME", "website": "acme.de"})
    assert organization.domain == "acme.de"

    organization_update(actor=user, organization=organization, data={"website": ""})
    organization.refresh_from_db()
    assert organization.domain == ""


def test_an_organization_without_name_is_named_after_its_website_or_address(user):
    by_website = organization_create(actor=user, data={"website": "https://www.acme.de/x"})
    by_email = organization_create(actor=user, data={"emails": ["info@Bücher.de"]})

    assert by_website.name == "acme.de"
    assert by_email.name == "xn--bcher-kva.de"


def test_an_organization_rejects_names_no_database_can_store(user):
    assert _errors(lambda: organization_create(actor=user, data={"name": "A\x00"})) == {
        "name": ["must not contain NUL characters or unpaired surrogates"]
    }
    assert _errors(lambda: organization_create(actor=user, data={"website": "\x00"})) == {
        "website": ["must not contain NUL characters or unpaired surrogates"]
    }


# Selectors ----------------------------------------------------------------------------


def test_nobody_anonymous_or_inactive_sees_contacts(user):
    ContactFactory(phones=["030 1234567"])
    inactive = UserFactory(is_active=False)

    assert selectors.contact_list(user=AnonymousUser()).count() == 0
    assert selectors.contact_list(user=inactive).count() == 0
    assert selectors.lookup_phone(user=inactive, number="030 1234567") == []
    assert selectors.contact_list(user=user).count() == 1


def test_an_invalid_organization_filter_lists_nothing(user):
    ContactFactory()  # without organization

    assert list(selectors.contact_list(user=user, organization_id="garbage")) == []


@pytest.mark.parametrize("owner_id", ["me", 2**64, -3])
def test_an_invalid_owner_filter_lists_nothing(user, owner_id):
    ContactFactory(owner=user)

    assert list(selectors.contact_list(user=user, owner_id=owner_id)) == []
    assert list(selectors.organization_list(user=user, owner_id=owner_id)) == []


def test_an_owner_filter_accepts_the_id_as_text(user):
    contact = ContactFactory(owner=user)
    ContactFactory()

    assert list(selectors.contact_list(user=user, owner_id=str(user.pk))) == [contact]


def test_search_ignores_nul_characters(user):
    contact = ContactFactory(first_name="Anna", tags=["VIP"])

    assert list(selectors.contact_list(user=user, q="An\x00na")) == [contact]
    assert list(selectors.contact_list(user=user, tag="V\x00IP")) == [contact]
    assert selectors.organization_list(user=user, q="\x00").count() == 0


def test_a_number_typed_with_spaces_is_searched_as_one_number(user):
    contact = ContactFactory(phones=["+49 30 1234567"])
    ContactFactory(phones=["+49 40 30 12 99"])

    for q in ["030 123 45 67", "+49 30 123", "(030) 1234-567", "0049 30 1234567"]:
        assert list(selectors.contact_list(user=user, q=q)) == [contact], q


def test_the_combined_lookup_lists_each_record_once_best_first(user):
    acme = OrganizationFactory(website="acme.de")
    anna = ContactFactory(phones=["030 1234567"], emails=["anna@acme.de"])

    matches = selectors.lookup(user=user, phone="+49301234567", email="Anna@ACME.de")

    assert [(m.record, m.reason) for m in matches] == [(anna, "phone")]
    assert [m.record for m in selectors.lookup(user=user, email="x@acme.de")] == [acme]
    assert selectors.lookup(user=user) == []
