"""Every string a user typed or a mail brought in is rendered as text: script
and HTML payloads go in through the services and come out escaped on every
page that shows them, never as markup."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kontor.activities.services import activity_create
from kontor.contacts.services import contact_create, organization_create
from kontor.customfields.models import CustomFieldDefinition
from kontor.files.services import attachment_create


def payload(field: str) -> str:
    """Short enough for every field (tags take 64 characters)."""
    return f'"\'><script>alert("{field}")</script>&'


# Markup that must never appear raw in a page once payloads are stored.
INJECTED = re.compile(r"<script>alert|<img src=x onerror|<b>bold-", re.IGNORECASE)


def assert_rendered_as_text(html: str, *fields: str) -> None:
    assert not INJECTED.search(html), INJECTED.search(html).group(0)
    for field in fields:
        assert escape(payload(field)) in html, f"{field} is not shown as escaped text"


@pytest.fixture
def records(user):
    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="remark",
        label=payload("contact-custom-label"),
        field_type="text",
    )
    CustomFieldDefinition.objects.create(
        object_type="organization", key="remark", label="Remark", field_type="text"
    )
    organization = organization_create(
        actor=user,
        data={
            "name": payload("org-name"),
            "website": "javascript:alert(1)",
            "notes": payload("org-notes") + "\n<b>bold-org</b><img src=x onerror=alert(1)>",
            "tags": [payload("org-tag")],
            "custom": {"remark": payload("org-custom")},
        },
    )
    contact = contact_create(
        actor=user,
        data={
            "first_name": payload("first"),
            "last_name": payload("last"),
            "notes": payload("contact-notes") + "\n<b>bold-contact</b><img src=x onerror=alert(1)>",
            "tags": [payload("contact-tag")],
            "custom": {"remark": payload("contact-custom")},
            "organization_id": organization.pk,
        },
    )
    return contact, organization


def test_the_contact_list_shows_names_as_text(client, user, records):
    client.force_login(user)
    html = client.get(reverse("contact-list")).text
    assert_rendered_as_text(html, "first", "last")


def test_the_contact_list_search_echoes_the_query_as_text(client, user, records):
    client.force_login(user)
    html = client.get(reverse("contact-list"), {"q": payload("query")}).text
    assert not INJECTED.search(html)


def test_the_contact_page_shows_every_field_as_text(client, user, records):
    contact, _organization = records
    client.force_login(user)
    html = client.get(reverse("contact-detail", args=[contact.pk])).text
    assert_rendered_as_text(
        html,
        "first",
        "last",
        "contact-notes",
        "contact-tag",
        "contact-custom",
        "contact-custom-label",
        "org-name",
    )


def test_the_organization_pages_show_every_field_as_text(client, user, records):
    _contact, organization = records
    client.force_login(user)

    detail = client.get(reverse("organization-detail", args=[organization.pk])).text
    listing = client.get(reverse("organization-list")).text

    assert_rendered_as_text(detail, "org-name", "org-notes", "org-tag", "org-custom", "first")
    assert_rendered_as_text(listing, "org-name")
    assert 'href="javascript:' not in detail


def test_the_edit_forms_show_stored_values_as_text(client, user, records):
    contact, organization = records
    client.force_login(user)
    for name, record in (("contact-edit", contact), ("organization-edit", organization)):
        html = client.get(reverse(name, args=[record.pk])).text
        assert not INJECTED.search(html), name


# Activities and files ----------------------------------------------------------------


def _activity_pages(contact) -> list[str]:
    return [
        reverse("contact-detail", args=[contact.pk]),
        reverse("contact-timeline", args=[contact.pk]),
        reverse("my-tasks"),
    ]


def test_activities_show_subjects_and_bodies_as_text(client, user, records):
    contact, _organization = records
    now = timezone.now()
    activities = [
        activity_create(
            actor=user,
            data={
                "kind": "email",
                "contact_id": contact.pk,
                "occurred_at": now,
                "subject": payload("email-subject"),
                "body": payload("email-body"),
                "body_html": f"<p>{payload('email-html')}</p><b>bold-html</b>",
                "direction": "inbound",
                "from": "sender@example.com",
            },
        ),
        activity_create(
            actor=user,
            data={
                "kind": "note",
                "contact_id": contact.pk,
                "occurred_at": now,
                "subject": payload("note-subject"),
                "body": payload("note-body"),
            },
        ),
        activity_create(
            actor=user,
            data={
                "kind": "task",
                "contact_id": contact.pk,
                "subject": payload("task-subject"),
                "due_at": now,
                "assignee_id": user.pk,
            },
        ),
    ]
    client.force_login(user)

    for url in _activity_pages(contact):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INJECTED.search(response.text), url
    for activity in activities:
        response = client.get(reverse("activity-detail", args=[activity.pk]))
        assert response.status_code == 200
        fields = [
            f"{activity.kind}-{name}"
            for name in ("subject", "body")
            if payload(f"{activity.kind}-{name}") in getattr(activity, name)
        ]
        assert fields, activity.kind
        assert_rendered_as_text(response.text, *fields)


def test_file_names_are_shown_as_text(client, user, records):
    contact, _organization = records
    upload = SimpleUploadedFile(
        '<img src=x onerror=alert(1)><script>alert("file")</script>.txt', b"hello", "text/plain"
    )
    attachment_create(actor=user, upload=upload, contact=contact)
    client.force_login(user)

    for url in _activity_pages(contact):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INJECTED.search(response.text), url
    assert "onerror=alert(1)&gt;" in client.get(reverse("contact-detail", args=[contact.pk])).text
