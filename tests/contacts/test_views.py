"""The web UI of contacts and organizations, through Django's test client."""

import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import contact_update
from kontor.customfields.models import CustomFieldDefinition
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def contact_form(**values: Any) -> dict[str, Any]:
    """What a browser sends for the contact form: every field, mostly empty."""
    data = {
        "first_name": "",
        "last_name": "",
        "organization": "",
        "organization_id": "",
        "lifecycle_stage": "lead",
        "owner": "",
        "tags": "",
        "notes": "",
    }
    for index in range(2):
        data |= {f"email_{index}_address": "", f"email_{index}_label": "work"}
        data |= {f"phone_{index}_number": "", f"phone_{index}_label": "work"}
    return data | values


def organization_form(**values: Any) -> dict[str, Any]:
    data = contact_form()
    for name in ("first_name", "last_name", "organization", "organization_id"):
        del data[name]
    return data | {"name": "", "website": ""} | values


def edit_form(record: Contact | Organization, **values: Any) -> dict[str, Any]:
    """The edit form as the browser received it, with ``values`` changed."""
    response_form = _rendered_form(record)
    return {**response_form, **values}


def _rendered_form(record: Contact | Organization) -> dict[str, Any]:
    if isinstance(record, Contact):
        from kontor.contacts.forms import ContactForm as form_class
    else:
        from kontor.contacts.forms import OrganizationForm as form_class
    form = form_class(user=record.owner, record=record)
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = "on" if value is True else str(value)
    return data


def error_next_to(response, field: str) -> str:
    """The error text rendered right at the field's input, which the input
    names in aria-describedby."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert match, f"no error list next to {field}"
    input_tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{field}"[^>]*>', html)
    assert input_tag and f"id_{field}_error" in input_tag.group(0)
    assert 'aria-invalid="true"' in input_tag.group(0)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def names_listed(response) -> list[str]:
    return [contact.display_name for contact in response.context["page"].items]


# Login and layout --------------------------------------------------------------------

VIEWS_THAT_NEED_A_LOGIN = [
    ("contact-list", False),
    ("contact-create", False),
    ("contact-detail", "contact"),
    ("contact-edit", "contact"),
    ("contact-delete", "contact"),
    ("organization-list", False),
    ("organization-create", False),
    ("organization-detail", "organization"),
    ("organization-edit", "organization"),
    ("organization-delete", "organization"),
]


@pytest.mark.parametrize(("name", "record"), VIEWS_THAT_NEED_A_LOGIN)
def test_every_page_sends_an_anonymous_visitor_to_the_login(client, db, name, record):
    args = []
    if record == "contact":
        args = [ContactFactory().pk]
    elif record == "organization":
        args = [OrganizationFactory().pk]
    url = reverse(name, args=args)

    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert Contact.objects.count() == (1 if record == "contact" else 0)


def test_home_redirects_to_the_contact_list(logged_in):
    response = logged_in.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("contact-list")


def test_the_login_page_logs_a_user_in(client, user):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()

    response = client.post(reverse("login"), {"username": "rep", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("contact-list")).status_code == 200


def test_a_wrong_password_shows_an_error_on_the_login_page(client, user):
    response = client.post(reverse("login"), {"username": "rep", "password": "wrong"})

    assert response.status_code == 200
    assert "alert--error" in response.content.decode()


def test_logout_is_a_post_form_in_the_user_menu(logged_in):
    html = logged_in.get(reverse("contact-list")).content.decode()
    assert re.search(rf'<form method="post" action="{reverse("logout")}">', html)

    response = logged_in.post(reverse("logout"))

    assert response.status_code == 302
    assert logged_in.get(reverse("contact-list")).status_code == 302


def test_the_navigation_shows_admin_only_to_staff(client, user, admin_user):
    client.force_login(user)
    html = client.get(reverse("contact-list")).content.decode()
    assert 'href="/api/v1/docs"' in html
    assert 'href="/admin/"' not in html
    assert 'href="#main"' in html  # the skip link

    client.force_login(admin_user)
    assert 'href="/admin/"' in client.get(reverse("contact-list")).content.decode()


def test_the_ui_speaks_german_to_a_german_browser(logged_in):
    ContactFactory(first_name="Anna", last_name="Schulze")

    html = logged_in.get(reverse("contact-list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<html lang="de">' in html
    assert "Kontakte" in html
    assert "Neuer Kontakt" in html
    assert "Lebenszyklus" in html
    assert "New contact" not in html


def test_the_language_switch_changes_the_language(logged_in):
    response = logged_in.post(
        "/i18n/setlang/", {"language": "de", "next": reverse("organization-list")}
    )
    assert response.status_code == 302

    html = logged_in.get(reverse("organization-list")).content.decode()

    assert "Organisationen" in html
    assert "Neue Organisation" in html


def test_an_unknown_page_shows_the_not_found_page(logged_in):
    response = logged_in.get(reverse("contact-detail", args=[uuid.uuid4()]))

    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "kontor.css" in html


def test_a_form_without_a_valid_csrf_token_gets_the_expired_form_page(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("contact-create"), contact_form(first_name="Max"))

    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert Contact.objects.count() == 0


# Contact list ---------------------------------------------------------------------------


@pytest.fixture
def people(db):
    acme = OrganizationFactory(name="Acme Maschinenbau")
    other = OrganizationFactory(name="Bäckerei Kranz")
    owner = UserFactory(username="sales", first_name="Sam", last_name="Sales")
    return {
        "anna": ContactFactory(
            first_name="Anna",
            last_name="Schulze",
            organization_id=acme.pk,
            emails=[{"address": "anna@acme.example"}],
            phones=[{"number": "030 1234567"}],
            lifecycle_stage="customer",
            tags=["VIP"],
            owner=owner,
        ),
        "bernd": ContactFactory(
            first_name="Bernd",
            last_name="Brot",
            organization_id=other.pk,
            emails=[{"address": "bernd@kranz.example"}],
            phones=[{"number": "+43 1 5321234"}],
            lifecycle_stage="prospect",
        ),
        "carla": ContactFactory(first_name="Carla", last_name="Meyer", tags=["vip", "Presse"]),
        "acme": acme,
        "owner": owner,
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("schulze", ["Anna Schulze"]),
        ("ANNA@acme", ["Anna Schulze"]),
        ("kranz.example", ["Bernd Brot"]),
        ("4567", ["Anna Schulze"]),
        ("030 123", ["Anna Schulze"]),
        ("5321234", ["Bernd Brot"]),
        ("Maschinenbau", ["Anna Schulze"]),
        ("bäckerei bernd", ["Bernd Brot"]),
        ("nobody", []),
    ],
)
def test_the_contact_list_searches_names_emails_phone_digits_and_organizations(
    logged_in, people, q, expected
):
    response = logged_in.get(reverse("contact-list"), {"q": q})

    assert response.status_code == 200
    assert names_listed(response) == expected
    assert f'value="{q}"' in response.content.decode()


def test_the_contact_list_filters_by_stage_tag_owner_and_organization(logged_in, people):
    url = reverse("contact-list")

    assert names_listed(logged_in.get(url, {"lifecycle_stage": "prospect"})) == ["Bernd Brot"]
    assert names_listed(logged_in.get(url, {"tag": "vip"})) == ["Anna Schulze", "Carla Meyer"]
    assert names_listed(logged_in.get(url, {"owner": people["owner"].pk})) == ["Anna Schulze"]
    by_organization = logged_in.get(url, {"organization": people["acme"].pk})
    assert names_listed(by_organization) == ["Anna Schulze"]
    assert "Acme Maschinenbau" in by_organization.content.decode()
    both = logged_in.get(url, {"tag": "VIP", "lifecycle_stage": "customer"})
    assert names_listed(both) == ["Anna Schulze"]


def test_the_contact_list_ignores_filter_values_it_does_not_know(logged_in, people):
    response = logged_in.get(
        reverse("contact-list"), {"lifecycle_stage": "royalty", "owner": "x", "organization": "1"}
    )

    assert response.status_code == 200
    assert names_listed(response) == ["Anna Schulze", "Bernd Brot", "Carla Meyer"]


def test_the_contact_list_links_phone_numbers_and_email_addresses(logged_in, people):
    html = logged_in.get(reverse("contact-list")).content.decode()

    assert 'href="tel:+49301234567"' in html
    assert 'href="mailto:anna@acme.example"' in html
    assert f'href="{people["anna"].get_absolute_url()}"' in html


def test_the_contact_list_pages_with_a_cursor_and_a_next_link(logged_in, db):
    for index in range(27):
        ContactFactory(first_name=f"Person{index:02}", last_name="Test")

    first = logged_in.get(reverse("contact-list"), {"q": "test"})
    assert len(first.context["page"].items) == 25
    next_url = first.context["next_url"]
    assert 'rel="next"' in first.content.decode()
    assert "cursor=" in next_url
    assert "q=test" in next_url

    second = logged_in.get(next_url)

    # Every one has the last name searched for: the last changed first.
    assert names_listed(second) == ["Person01 Test", "Person00 Test"]
    assert second.context["next_url"] is None


def test_a_broken_cursor_shows_the_first_page_with_a_note(logged_in, people):
    response = logged_in.get(reverse("contact-list"), {"cursor": "not-a-cursor"})

    assert response.status_code == 200
    assert len(names_listed(response)) == 3
    assert "That page link no longer works" in response.content.decode()


def _make_contacts(count: int) -> None:
    organization = OrganizationFactory()
    for index in range(count):
        ContactFactory(
            organization_id=organization.pk,
            emails=[{"address": f"person{index}@example.com"}],
            phones=[{"number": f"030 1234{index:03}"}],
            tags=["Kunde", f"tag{index % 3}"],
        )


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_contact_list_needs_the_same_number_of_queries_for_5_or_30_contacts(
    logged_in, django_assert_max_num_queries
):
    url = reverse("contact-list")
    _make_contacts(5)
    # Making contacts makes their owners, a change of access: the first page
    # after it reads the access into the shared cache, the next take it from there.
    logged_in.get(url)
    with_five = _queries_for(logged_in, url)
    _make_contacts(25)
    logged_in.get(url)

    with django_assert_max_num_queries(with_five):
        response = logged_in.get(url)

    assert len(response.context["page"].items) == 25
    assert with_five <= 10


# Creating contacts ----------------------------------------------------------------------


def test_the_new_contact_form_offers_rows_for_emails_and_phones(logged_in):
    response = logged_in.get(reverse("contact-create"))

    html = response.content.decode()
    assert response.status_code == 200
    for name in ("email_0_address", "email_1_address", "phone_0_number", "phone_1_label"):
        assert f'name="{name}"' in html
    assert '<label for="id_email_0_address"' in html


def test_a_contact_can_be_created_from_only_an_email_address(logged_in, user):
    response = logged_in.post(
        reverse("contact-create"), contact_form(email_0_address="Max@Example.COM")
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()
    assert contact.display_name == "Max@Example.COM"
    assert contact.owner is None  # the form's owner field was left empty
    assert list(contact.emails.values_list("normalized", flat=True)) == ["max@example.com"]


def test_a_contact_can_be_created_from_only_a_phone_number(logged_in):
    logged_in.post(
        reverse("contact-create"),
        contact_form(phone_0_number="0171 2345678", phone_0_label="mobile"),
    )

    contact = Contact.objects.get()
    assert contact.display_name == "0171 2345678"
    assert list(contact.phones.values_list("e164", "label")) == [("+491712345678", "mobile")]


def test_a_contact_can_be_created_from_only_a_name(logged_in):
    logged_in.post(reverse("contact-create"), contact_form(last_name="Lehmann"))

    assert Contact.objects.get().display_name == "Lehmann"


def test_an_empty_contact_form_says_what_is_needed_and_saves_nothing(logged_in):
    response = logged_in.post(reverse("contact-create"), contact_form())

    assert response.status_code == 200
    assert Contact.objects.count() == 0
    assert response.context["form"].non_field_errors() == [
        "Give at least a first or last name, an email address or a phone number."
    ]
    assert "Give at least a first or last name" in response.content.decode()


def test_a_bad_email_and_phone_show_errors_next_to_their_fields_and_save_nothing(logged_in):
    response = logged_in.post(
        reverse("contact-create"),
        contact_form(
            first_name="Max",
            email_0_address="max@example.com",
            email_1_address="not-an-email",
            phone_0_number="phone?",
        ),
    )

    assert response.status_code == 200
    assert Contact.objects.count() == 0
    assert "@-sign" in error_next_to(response, "email_1_address")
    assert "digits" in error_next_to(response, "phone_0_number")
    html = response.content.decode()
    assert 'value="not-an-email"' in html  # what was typed is kept
    assert 'value="max@example.com"' in html


def test_field_errors_are_german_in_the_german_ui(logged_in):
    response = logged_in.post(
        reverse("contact-create"),
        contact_form(email_0_address="max.example.com", phone_0_number="+49 1"),
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert error_next_to(response, "email_0_address") == (
        "Eine E-Mail-Adresse muss ein @-Zeichen enthalten."
    )
    assert error_next_to(response, "phone_0_number") == (
        "Keine Telefonnummer: Die Eingabe ist zu kurz für eine Telefonnummer."
    )


def test_errors_land_on_the_right_row_when_rows_in_between_are_empty(logged_in):
    response = logged_in.post(
        reverse("contact-create"),
        contact_form(email_1_address="broken", phone_1_number="0049"),
    )

    assert Contact.objects.count() == 0
    assert error_next_to(response, "email_1_address")
    assert error_next_to(response, "phone_1_number")
    assert "email_0_address" not in response.context["form"].errors


def test_a_contact_gets_several_emails_and_phones_with_labels_and_tags(logged_in, user):
    logged_in.post(
        reverse("contact-create"),
        contact_form(
            first_name="Anna",
            owner=user.pk,
            email_0_address="anna@work.example",
            email_1_address="anna@home.example",
            email_1_label="private",
            phone_0_number="030 1234567",
            phone_0_label="main",
            phone_1_number="0171 2345678",
            phone_1_label="mobile",
            tags="VIP, Newsletter ,, vip",
            lifecycle_stage="customer",
            notes="Call in the morning.",
        ),
    )

    contact = Contact.objects.get()
    assert list(contact.emails.values_list("address", "label")) == [
        ("anna@work.example", "work"),
        ("anna@home.example", "private"),
    ]
    assert list(contact.phones.values_list("e164", "label")) == [
        ("+49301234567", "main"),
        ("+491712345678", "mobile"),
    ]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["Newsletter", "VIP"]
    assert (contact.lifecycle_stage, contact.owner, contact.notes) == (
        "customer",
        user,
        "Call in the morning.",
    )


def test_more_rows_than_offered_are_all_saved(logged_in):
    rows = {f"email_{i}_address": f"a{i}@example.com" for i in range(4)}
    rows |= {f"email_{i}_label": "work" for i in range(4)}

    logged_in.post(reverse("contact-create"), contact_form(**rows))

    assert Contact.objects.get().emails.count() == 4


def test_a_contact_is_added_to_an_organization_by_its_name(logged_in):
    acme = OrganizationFactory(name="Acme GmbH")

    logged_in.post(
        reverse("contact-create"), contact_form(first_name="Max", organization="acme gmbh")
    )

    assert Contact.objects.get().organization == acme


def test_an_unknown_organization_name_is_an_error_next_to_the_field(logged_in):
    response = logged_in.post(
        reverse("contact-create"), contact_form(first_name="Max", organization="Nowhere Ltd")
    )

    assert Contact.objects.count() == 0
    assert "Nowhere Ltd" in error_next_to(response, "organization")


def test_two_organizations_of_the_same_name_need_the_organization_page(logged_in):
    first = OrganizationFactory(name="Twin AG")
    OrganizationFactory(name="Twin AG")

    response = logged_in.post(
        reverse("contact-create"), contact_form(first_name="Max", organization="Twin AG")
    )
    assert "Several organizations" in error_next_to(response, "organization")

    page = logged_in.get(reverse("contact-create"), {"organization": first.pk})
    assert page.context["form"]["organization"].value() == "Twin AG"
    logged_in.post(
        reverse("contact-create"),
        contact_form(first_name="Max", organization="Twin AG", organization_id=first.pk),
    )
    assert Contact.objects.get().organization == first


# Custom fields --------------------------------------------------------------------------


@pytest.fixture
def custom_fields(db):
    make = CustomFieldDefinition.objects.create
    return [
        make(object_type="contact", key="customer_no", label="Customer no.", field_type="text"),
        make(object_type="contact", key="revenue", label="Revenue", field_type="number"),
        make(object_type="contact", key="birthday", label="Birthday", field_type="date"),
        make(object_type="contact", key="newsletter", label="Newsletter", field_type="boolean"),
        make(
            object_type="contact",
            key="region",
            label="Region",
            field_type="choice",
            choices=["Nord", "Süd"],
        ),
        make(object_type="organization", key="vat", label="VAT ID", field_type="text"),
    ]


def test_custom_fields_are_form_fields_of_their_type(logged_in, custom_fields):
    html = logged_in.get(reverse("contact-create")).content.decode()

    assert re.search(r'<input type="text" name="custom_customer_no"', html)
    assert re.search(r'<input type="text" name="custom_revenue"[^>]*inputmode="decimal"', html)
    assert re.search(r'<input type="date" name="custom_birthday"', html)
    assert re.search(r'<input type="checkbox" name="custom_newsletter"', html)
    assert re.search(r'<select name="custom_region"', html)
    assert '<option value="Süd">Süd</option>' in html
    assert "custom_vat" not in html


def test_custom_values_are_saved_and_shown_on_the_detail_page(logged_in, custom_fields):
    logged_in.post(
        reverse("contact-create"),
        contact_form(
            first_name="Anna",
            custom_customer_no="K-100",
            custom_revenue="1250,5",
            custom_birthday="1985-05-12",
            custom_newsletter="on",
            custom_region="Süd",
        ),
    )

    contact = Contact.objects.get()
    assert contact.custom == {
        "customer_no": "K-100",
        "revenue": 1250.5,
        "birthday": "1985-05-12",
        "newsletter": True,
        "region": "Süd",
    }
    html = logged_in.get(contact.get_absolute_url()).content.decode()
    for text in ("Customer no.", "K-100", "1250.5", "May 12, 1985", "yes", "Süd"):
        assert text in html


def test_a_bad_custom_value_is_an_error_next_to_its_field(logged_in, custom_fields):
    response = logged_in.post(
        reverse("contact-create"),
        contact_form(first_name="Anna", custom_revenue="lots", custom_birthday="12.13.2020"),
    )

    assert Contact.objects.count() == 0
    assert error_next_to(response, "custom_revenue") == "must be a number"
    assert error_next_to(response, "custom_birthday")


def test_a_required_custom_field_is_required_on_creation_only(logged_in, user, db):
    old = ContactFactory(first_name="Old", owner=user)
    CustomFieldDefinition.objects.create(
        object_type="contact", key="source", label="Source", field_type="text", required=True
    )

    response = logged_in.post(reverse("contact-create"), contact_form(first_name="New"))
    assert "is required" in error_next_to(response, "custom_source")

    edited = logged_in.post(
        reverse("contact-edit", args=[old.pk]), edit_form(old, first_name="Older")
    )
    assert edited.status_code == 302
    old.refresh_from_db()
    assert old.first_name == "Older"


def test_an_emptied_custom_field_is_removed(logged_in, custom_fields, user):
    contact = ContactFactory(first_name="Anna", owner=user, custom={"customer_no": "K-1"})

    logged_in.post(
        reverse("contact-edit", args=[contact.pk]), edit_form(contact, custom_customer_no="")
    )

    contact.refresh_from_db()
    assert contact.custom == {}


# Detail, edit and delete ----------------------------------------------------------------


def test_the_contact_page_shows_everything_with_tel_and_mailto_links(logged_in, people):
    anna = people["anna"]

    response = logged_in.get(anna.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:+49301234567"' in html
    assert ">030 1234567</a>" in html
    assert 'href="mailto:anna@acme.example"' in html
    assert f'href="{people["acme"].get_absolute_url()}"' in html
    assert "VIP" in html
    assert "Sam Sales" in html
    assert f'href="{reverse("contact-edit", args=[anna.pk])}"' in html


def test_names_are_escaped(logged_in):
    contact = ContactFactory(first_name="<script>alert(1)</script>", last_name="X")

    html = logged_in.get(contact.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_the_edit_form_carries_the_version_and_saves_changes(logged_in, people):
    anna = people["anna"]
    page = logged_in.get(reverse("contact-edit", args=[anna.pk]))
    assert '<input type="hidden" name="version" value="1"' in page.content.decode()
    assert page.context["form"]["email_0_address"].value() == "anna@acme.example"
    assert page.context["form"]["organization"].value() == "Acme Maschinenbau"

    response = logged_in.post(
        reverse("contact-edit", args=[anna.pk]),
        edit_form(anna, first_name="Annabell", email_1_address="a@home.example", tags=""),
    )

    assert response.status_code == 302
    anna.refresh_from_db()
    assert (anna.display_name, anna.version) == ("Annabell Schulze", 2)
    assert anna.emails.count() == 2
    assert anna.tags.count() == 0
    assert anna.organization == people["acme"]


def test_an_edit_of_a_contact_changed_meanwhile_shows_a_conflict_and_changes_nothing(
    logged_in, people
):
    anna = people["anna"]
    stale = edit_form(anna, first_name="Mine")
    contact_update(actor=anna.owner, contact=anna, data={"last_name": "Theirs"})

    response = logged_in.post(reverse("contact-edit", args=[anna.pk]), stale)

    assert response.status_code == 409
    assert "changed this contact while you were editing" in response.content.decode()
    assert "Reload the current version" in response.content.decode()
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.version) == ("Anna", "Theirs", 2)


def test_an_edit_without_a_version_is_refused(logged_in, people):
    anna = people["anna"]
    data = edit_form(anna, first_name="Mine")
    del data["version"]

    response = logged_in.post(reverse("contact-edit", args=[anna.pk]), data)

    assert response.status_code == 200
    anna.refresh_from_db()
    assert anna.first_name == "Anna"


def test_an_edit_that_removes_every_identifier_is_refused(logged_in, people):
    carla = people["carla"]

    response = logged_in.post(
        reverse("contact-edit", args=[carla.pk]), edit_form(carla, first_name="", last_name="")
    )

    assert response.status_code == 200
    assert "A contact needs at least a name" in response.content.decode()
    carla.refresh_from_db()
    assert carla.display_name == "Carla Meyer"


def test_a_contact_is_deleted_after_confirmation(logged_in, people):
    anna = people["anna"]
    confirm = logged_in.get(reverse("contact-delete", args=[anna.pk]))
    assert confirm.status_code == 200
    assert "Anna Schulze" in confirm.content.decode()
    assert Contact.objects.filter(pk=anna.pk).exists()

    response = logged_in.post(reverse("contact-delete", args=[anna.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("contact-list")
    assert not Contact.objects.filter(pk=anna.pk).exists()
    assert logged_in.get(anna.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("kind", ["contact", "organization"])
def test_a_record_changed_after_the_delete_page_opened_is_not_deleted(logged_in, user, kind):
    from kontor.contacts.services import contact_update, organization_update

    if kind == "contact":
        record = ContactFactory(first_name="Berta", last_name="Brandt", owner=user)
    else:
        record = OrganizationFactory(name="Brandt Logistik GmbH", owner=user)
    confirm = logged_in.get(reverse(f"{kind}-delete", args=[record.pk]))
    opened_with = record.version
    assert f'name="version" value="{opened_with}"' in confirm.content.decode()
    if kind == "contact":
        contact_update(actor=user, contact=record, data={"notes": "changed meanwhile"})
    else:
        organization_update(actor=user, organization=record, data={"notes": "changed meanwhile"})

    response = logged_in.post(
        reverse(f"{kind}-delete", args=[record.pk]), {"version": str(opened_with)}, follow=True
    )

    assert type(record).objects.filter(pk=record.pk).exists()
    assert "it was not deleted" in response.content.decode().replace("\n", " ")
    current = type(record).objects.get(pk=record.pk).version
    response = logged_in.post(reverse(f"{kind}-delete", args=[record.pk]), {"version": current})
    assert response.status_code == 302
    assert not type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("name", ["contact-detail", "contact-edit", "contact-delete"])
def test_a_contact_that_does_not_exist_is_not_found(logged_in, name):
    assert logged_in.get(reverse(name, args=[uuid.uuid4()])).status_code == 404
    assert logged_in.post(reverse(name, args=[uuid.uuid4()])).status_code in {404, 405}


# Organizations --------------------------------------------------------------------------


def test_the_organization_list_searches_and_filters(logged_in, db):
    OrganizationFactory(name="Acme GmbH", website="https://acme.example", tags=["Industrie"])
    OrganizationFactory(name="Bäckerei Kranz", phones=[{"number": "0221 7788990"}])

    url = reverse("organization-list")
    assert [o.name for o in logged_in.get(url).context["page"].items] == [
        "Acme GmbH",
        "Bäckerei Kranz",
    ]
    assert [o.name for o in logged_in.get(url, {"q": "acme.ex"}).context["page"].items] == [
        "Acme GmbH"
    ]
    assert [o.name for o in logged_in.get(url, {"q": "778899"}).context["page"].items] == [
        "Bäckerei Kranz"
    ]
    assert [o.name for o in logged_in.get(url, {"tag": "industrie"}).context["page"].items] == [
        "Acme GmbH"
    ]


def test_an_organization_can_be_created_from_only_a_website(logged_in):
    response = logged_in.post(
        reverse("organization-create"), organization_form(website="https://www.acme.example/")
    )

    organization = Organization.objects.get()
    assert response["Location"] == organization.get_absolute_url()
    assert organization.name == "acme.example"


def test_an_empty_organization_form_shows_the_error_next_to_the_name(logged_in):
    response = logged_in.post(reverse("organization-create"), organization_form())

    assert Organization.objects.count() == 0
    assert "Give a name, a website or an email address." in error_next_to(response, "name")


def test_the_organization_page_lists_its_contacts_and_links_to_add_one(logged_in, people):
    acme = people["acme"]
    ContactFactory(first_name="Zoe", last_name="Zimmer", organization_id=acme.pk)

    response = logged_in.get(acme.get_absolute_url())

    html = response.content.decode()
    assert names_listed(response) == ["Anna Schulze", "Zoe Zimmer"]
    assert "Bernd" not in html
    assert f'href="{reverse("contact-create")}?organization={acme.pk}"' in html
    assert 'href="tel:+49301234567"' in html
    assert 'href="mailto:anna@acme.example"' in html


def test_a_contact_added_from_the_organization_page_belongs_to_it(logged_in, people):
    acme = people["acme"]
    url = f"{reverse('contact-create')}?organization={acme.pk}"
    form = logged_in.get(url).context["form"]

    logged_in.post(
        url,
        contact_form(
            email_0_address="new@acme.example",
            organization=form["organization"].value(),
            organization_id=form["organization_id"].value(),
        ),
    )

    assert Contact.objects.get(display_name="new@acme.example").organization == acme


def test_the_website_link_is_always_http(logged_in, db):
    organization = OrganizationFactory(name="X", website="javascript:alert(1)")

    html = logged_in.get(organization.get_absolute_url()).content.decode()

    assert 'href="javascript:' not in html
    assert 'href="https://javascript:alert(1)"' in html


def test_an_organization_edit_of_a_stale_version_shows_a_conflict(logged_in, user):
    organization = OrganizationFactory(name="Acme", owner=user)
    stale = edit_form(organization, name="Mine")
    logged_in.post(
        reverse("organization-edit", args=[organization.pk]), edit_form(organization, name="Theirs")
    )

    response = logged_in.post(reverse("organization-edit", args=[organization.pk]), stale)

    assert response.status_code == 409
    assert "changed this organization while you were editing" in response.content.decode()
    organization.refresh_from_db()
    assert (organization.name, organization.version) == ("Theirs", 2)


def test_deleting_an_organization_keeps_its_contacts(logged_in, people):
    acme = people["acme"]
    confirm = logged_in.get(reverse("organization-delete", args=[acme.pk]))
    assert "Its 1 contact is kept" in confirm.content.decode()

    response = logged_in.post(reverse("organization-delete", args=[acme.pk]))

    assert response["Location"] == reverse("organization-list")
    assert not Organization.objects.filter(pk=acme.pk).exists()
    people["anna"].refresh_from_db()
    assert people["anna"].organization is None


@pytest.mark.parametrize(
    "name", ["organization-detail", "organization-edit", "organization-delete"]
)
def test_an_organization_that_does_not_exist_is_not_found(logged_in, name):
    assert logged_in.get(reverse(name, args=[uuid.uuid4()])).status_code == 404
