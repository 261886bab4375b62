"""The data protection officer's pages: the register with open requests by
deadline (overdue ones marked), recording a request, downloading the export
and closing a request; nobody else gets in."""

import datetime
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from kontor.audit.models import AuditAction, AuditEntry
from kontor.contacts.services import contact_create
from kontor.privacy.models import DataSubjectRequest
from kontor.privacy.services import request_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo():
    return UserFactory(username="dpo", roles=["data-protection-officer"])


@pytest.fixture
def browser(dpo):
    client = Client()
    client.force_login(dpo)
    return client


@pytest.fixture
def anna():
    admin = UserFactory(username="privacy-admin", roles=["administrator"])
    return contact_create(
        actor=admin,
        data={"first_name": "Anna", "last_name": "Auskunft",
              "emails": [{"address": "anna@example.org"}]},
    )  # fmt: skip


def test_the_register_lists_open_requests_by_deadline_and_marks_overdue_ones(browser, dpo, anna):
    today = timezone.localdate()
    overdue = request_create(
        actor=dpo, type="access", contact_id=anna.pk, received_on=today - datetime.timedelta(40)
    )
    due = request_create(actor=dpo, type="erasure", contact_id=anna.pk, received_on=today)

    page = browser.get("/privacy/requests/").content.decode()

    assert page.index(str(overdue.pk)) < page.index(str(due.pk))
    assert page.count("data-overdue") == 1
    assert "Anna Auskunft" in page
    assert 'href="/privacy/requests/"' in browser.get("/contacts/").content.decode()


def test_a_request_is_recorded_by_email_address(browser, anna):
    response = browser.post(
        "/privacy/requests/new/", {"type": "access", "email": "ANNA@example.org"}
    )

    created = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/privacy/requests/{created.pk}/"
    assert created.contact == anna
    assert created.found_by == "email"


def test_an_unknown_person_is_shown_in_the_form(browser, anna):
    response = browser.post("/privacy/requests/new/", {"type": "access", "phone": "030 999999"})

    assert response.status_code == 200
    assert "No contact has this phone number." in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_the_contact_picker_finds_people_by_name_and_fills_the_form(browser, anna):
    found = browser.get("/privacy/requests/new/", {"q": "auskunft"}).content.decode()
    chosen = browser.get("/privacy/requests/new/", {"contact": str(anna.pk)}).content.decode()

    assert f"?contact={anna.pk}" in found
    assert 'data-testid="chosen">Anna Auskunft<' in chosen
    assert f'value="{anna.pk}"' in chosen


def test_the_export_is_downloaded_and_the_request_marked_done(browser, dpo, anna):
    item = request_create(actor=dpo, type="access", contact_id=anna.pk)
    detail = browser.get(f"/privacy/requests/{item.pk}/").content.decode()
    assert f"/privacy/requests/{item.pk}/export/" in detail

    download = browser.get(f"/privacy/requests/{item.pk}/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    closed = browser.post(f"/privacy/requests/{item.pk}/close/", {"status": "done"})

    assert "data.json" in archive.namelist()
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(item.pk)).exists()
    assert closed.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert item.done_by == dpo


def test_a_rejection_needs_a_reason(browser, dpo, anna):
    item = request_create(actor=dpo, type="erasure", contact_id=anna.pk)

    without = browser.post(f"/privacy/requests/{item.pk}/close/", {"status": "rejected"})
    item.refresh_from_db()
    assert without.status_code == 422
    assert "Say why the request is rejected." in without.content.decode()
    assert item.status == "open"

    browser.post(
        f"/privacy/requests/{item.pk}/close/",
        {"status": "rejected", "notes": "Identity not confirmed."},
    )
    item.refresh_from_db()
    assert item.status == "rejected"
    assert item.notes == "Identity not confirmed."


@pytest.mark.parametrize("role", ["sales", "service", "team-lead", "read-only"])
def test_other_roles_do_not_get_in(role, dpo, anna):
    item = request_create(actor=dpo, type="access", contact_id=anna.pk)
    client = Client()
    client.force_login(UserFactory(username=f"u-{role}", roles=[role]))

    pages = [
        client.get("/privacy/requests/"),
        client.get("/privacy/requests/new/"),
        client.get(f"/privacy/requests/{item.pk}/"),
        client.get(f"/privacy/requests/{item.pk}/export/"),
        client.post(f"/privacy/requests/{item.pk}/close/", {"status": "done"}),
    ]

    assert [p.status_code for p in pages] == [403] * 5
    assert "/privacy/requests/" not in client.get("/contacts/").content.decode()


def test_the_register_page_costs_the_same_queries_for_more_requests(browser, dpo, anna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/privacy/requests/").status_code == 200
        return len(captured)

    request_create(actor=dpo, type="access", contact_id=anna.pk)
    queries()  # the first call reads what later ones find cached (the token's user)
    few = queries()
    for kind in ("erasure", "objection"):
        done = request_create(actor=dpo, type=kind, contact_id=anna.pk)
    from kontor.privacy.services import request_close

    request_close(actor=dpo, request=done, status="done")

    assert queries() == few
