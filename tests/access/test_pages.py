"""The web pages follow the access rules: a record one may not read is a
404, one one may read but not change a 403; fields one may not read are
neither shown nor in the forms."""

import pytest
from django.urls import reverse

from kontor.access.models import Role
from kontor.contacts.models import Contact
from kontor.contacts.selectors import visible_contacts
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard_only(db):
    role = Role.objects.create(
        slug="standard-only",
        name="standard only",
        levels={"*": {"read": "all", "create": "all", "edit": "all"}},
        categories={"standard": "edit"},
    )
    user = UserFactory(username="plain", roles=[])
    user.kontor_roles.set([role])
    return user


def test_a_record_one_may_not_read_is_a_404_on_every_page(client):
    rep = UserFactory(username="rep1", roles=["sales"], teams=["A"])
    foreign = ContactFactory(owner=UserFactory(username="x", roles=["sales"], teams=["B"]))
    client.force_login(rep)

    for name in ("contact-detail", "contact-edit", "contact-delete", "contact-timeline"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404, name


def test_a_record_one_may_read_but_not_change_is_a_403(client):
    contact = ContactFactory()
    organization = OrganizationFactory()
    client.force_login(UserFactory(username="viewer", roles=["read-only"]))

    page = client.get(contact.get_absolute_url())
    assert page.status_code == 200
    assert reverse("contact-edit", args=[contact.pk]) not in page.content.decode()
    assert client.get(reverse("contact-edit", args=[contact.pk])).status_code == 403
    assert client.post(reverse("contact-delete", args=[contact.pk])).status_code == 403
    assert client.get(reverse("organization-edit", args=[organization.pk])).status_code == 403
    assert client.get(reverse("contact-create")).status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_fields_one_may_not_read_are_neither_shown_nor_in_the_form(client, standard_only):
    contact = ContactFactory(phones=["030 7654321"], emails=["x@y.example"], notes="secret note")
    client.force_login(standard_only)

    page = client.get(contact.get_absolute_url()).content.decode()
    form = client.get(reverse("contact-edit", args=[contact.pk])).content.decode()
    listed = client.get(reverse("contact-list")).content.decode()

    for html in (page, form, listed):
        assert "7654321" not in html and "x@y.example" not in html
    assert "secret note" in page  # notes are standard
    assert 'name="phone_0_number"' not in form and 'name="email_0_address"' not in form


def test_saving_the_form_keeps_the_fields_one_may_not_see(client, standard_only):
    contact = ContactFactory(first_name="Kim", phones=["030 7654321"])
    client.force_login(standard_only)
    edit = client.get(reverse("contact-edit", args=[contact.pk]))
    form = edit.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()} | {"first_name": "Kimberly"}

    response = client.post(reverse("contact-edit", args=[contact.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    contact.refresh_from_db()
    assert contact.first_name == "Kimberly"
    assert list(contact.phones.values_list("raw", flat=True)) == ["030 7654321"]


def test_the_demo_colleagues_see_every_demo_customer(db):
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    from django.contrib.auth import get_user_model

    for username in ("mia", "jonas"):
        colleague = get_user_model().objects.get(username=username)
        assert visible_contacts(colleague).count() == Contact.objects.count()
