"""The register of requests through the API: recording a request by contact
id, email address or phone number; 422 when no or several contacts match;
the deadline; only roles that handle such requests get in."""

import datetime

import pytest

from kontor.audit.models import AuditAction, AuditEntry
from kontor.contacts.services import contact_create
from kontor.privacy.models import DataSubjectRequest
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/privacy/requests"


@pytest.fixture
def admin():
    return UserFactory(username="privacy-admin", roles=["administrator"])


@pytest.fixture
def dpo():
    return UserFactory(username="dpo", roles=["data-protection-officer"])


@pytest.fixture
def api(dpo):
    return api_client_for(dpo)


@pytest.fixture
def anna(admin):
    return contact_create(
        actor=admin,
        data={
            "first_name": "Anna",
            "last_name": "Auskunft",
            "emails": [{"address": "Anna.Auskunft@Example.org"}],
            "phones": [{"number": "030 1234567"}],
        },
    )


def _errors(response) -> dict[str, str]:
    return {detail["loc"][-1]: detail["msg"] for detail in response.json()["detail"]}


def test_a_request_by_contact_id_is_due_a_month_later(api, anna, dpo):
    response = api.post(
        URL, {"type": "access", "contact_id": str(anna.pk), "received_on": "2026-01-31"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "access"
    assert body["status"] == "open"
    assert body["contact_id"] == str(anna.pk)
    assert body["found_by"] == "contact_id"
    assert body["received_on"] == "2026-01-31"
    assert body["deadline"] == "2026-02-28"
    assert body["overdue"] is True
    assert body["created_by_id"] == dpo.pk


def test_a_request_received_today_is_due_in_a_month(api, anna):
    from django.utils import timezone

    from kontor.privacy.deadlines import deadline_for

    body = api.post(URL, {"type": "portability", "contact_id": str(anna.pk)}).json()

    today = timezone.localdate()
    assert body["received_on"] == today.isoformat()
    assert body["deadline"] == deadline_for(today).isoformat()
    assert body["overdue"] is False


def test_a_person_is_found_by_email_address_as_normalized(api, anna):
    response = api.post(URL, {"type": "access", "email": "  anna.auskunft@EXAMPLE.org"})

    assert response.status_code == 201, response.content
    assert response.json()["contact_id"] == str(anna.pk)
    assert response.json()["found_by"] == "email"


def test_a_person_is_found_by_phone_number_in_any_format(api, anna):
    response = api.post(URL, {"type": "erasure", "phone": "+49 (30) 123-4567"})

    assert response.status_code == 201, response.content
    assert response.json()["contact_id"] == str(anna.pk)
    assert response.json()["found_by"] == "phone"


def test_an_unknown_person_is_refused_with_a_clear_message(api, anna):
    by_email = api.post(URL, {"type": "access", "email": "nobody@example.org"})
    by_phone = api.post(URL, {"type": "access", "phone": "030 7654321"})
    by_id = api.post(URL, {"type": "access", "contact_id": "0190c5a0-0000-7000-8000-000000000000"})

    assert by_email.status_code == by_phone.status_code == by_id.status_code == 422
    assert _errors(by_email) == {"email": "No contact has this email address."}
    assert _errors(by_phone) == {"phone": "No contact has this phone number."}
    assert _errors(by_id) == {"contact_id": "There is no contact with this id."}
    assert not DataSubjectRequest.objects.exists()


def test_an_ambiguous_person_is_refused(api, anna, admin):
    contact_create(
        actor=admin,
        data={"first_name": "Anne", "last_name": "Auskunft",
              "emails": [{"address": "anna.auskunft@example.org"}],
              "phones": [{"number": "+49 30 1234567"}]},
    )  # fmt: skip

    by_email = api.post(URL, {"type": "access", "email": "anna.auskunft@example.org"})
    by_phone = api.post(URL, {"type": "access", "phone": "0301234567"})

    assert by_email.status_code == by_phone.status_code == 422
    assert _errors(by_email) == {
        "email": "2 contacts have this email address; name the person by contact_id."
    }
    assert "2 contacts have this phone number" in _errors(by_phone)["phone"]
    assert not DataSubjectRequest.objects.exists()


def test_the_person_is_named_exactly_once(api, anna):
    both = api.post(URL, {"type": "access", "contact_id": str(anna.pk), "email": "a@b.example"})
    none = api.post(URL, {"type": "access"})
    unreadable = api.post(URL, {"type": "access", "email": "not an address"})
    wrong_type = api.post(URL, {"type": "delete-everything", "contact_id": str(anna.pk)})

    assert both.status_code == none.status_code == 422
    assert "exactly one of contact_id, email or phone" in both.json()["detail"][0]["msg"]
    assert unreadable.status_code == 422 and "email" in _errors(unreadable)
    assert wrong_type.status_code == 422


def test_a_request_cannot_be_received_in_the_future(api, anna):
    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api.post(
        URL, {"type": "access", "contact_id": str(anna.pk), "received_on": tomorrow.isoformat()}
    )

    assert response.status_code == 422
    assert "received_on" in _errors(response)


def test_the_list_is_ordered_by_deadline_and_filtered_by_status(api, anna):
    later = api.post(
        URL, {"type": "access", "contact_id": str(anna.pk), "received_on": "2026-03-01"}
    ).json()
    sooner = api.post(
        URL, {"type": "erasure", "contact_id": str(anna.pk), "received_on": "2026-01-10"}
    ).json()
    closed = api.post(
        URL, {"type": "objection", "contact_id": str(anna.pk), "received_on": "2026-02-01"}
    ).json()
    assert api.post(f"{URL}/{closed['id']}/close", {"status": "done"}).status_code == 200

    everything = api.get(URL).json()["items"]
    still_open = api.get(URL, {"status": "open"}).json()["items"]

    assert [r["id"] for r in everything] == [sooner["id"], closed["id"], later["id"]]
    assert [r["id"] for r in still_open] == [sooner["id"], later["id"]]
    assert api.get(f"{URL}/{sooner['id']}").json()["deadline"] == "2026-02-10"


def test_closing_a_request_is_recorded_and_happens_once(api, anna, dpo):
    created = api.post(URL, {"type": "access", "contact_id": str(anna.pk)}).json()

    rejected_without_reason = api.post(f"{URL}/{created['id']}/close", {"status": "rejected"})
    done = api.post(f"{URL}/{created['id']}/close", {"status": "done", "notes": "Sent by post."})
    again = api.post(f"{URL}/{created['id']}/close", {"status": "done"})

    assert rejected_without_reason.status_code == 422
    assert "notes" in _errors(rejected_without_reason)
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["done_by_id"] == dpo.pk
    assert done.json()["notes"] == "Sent by post."
    assert again.status_code == 422
    entries = AuditEntry.objects.filter(object_id=created["id"]).order_by("id")
    assert [(e.action, e.actor_id) for e in entries] == [
        (AuditAction.CREATE, dpo.pk),
        (AuditAction.UPDATE, dpo.pk),
    ]
    assert entries[0].changes["type"] == [None, "access"]
    assert entries[0].changes["contact"] == [None, str(anna.pk)]
    assert entries[1].changes["status"] == ["open", "done"]


def test_administrators_handle_requests_too(admin, anna):
    response = api_client_for(admin).post(URL, {"type": "access", "contact_id": str(anna.pk)})

    assert response.status_code == 201


@pytest.mark.parametrize("role", ["sales", "service", "team-lead", "read-only"])
def test_other_roles_may_not_see_or_record_requests(role, api, anna):
    created = api.post(URL, {"type": "access", "contact_id": str(anna.pk)}).json()
    other = api_client_for(UserFactory(username=f"u-{role}", roles=[role]))

    answers = [
        other.get(URL),
        other.post(URL, {"type": "access", "contact_id": str(anna.pk)}),
        other.get(f"{URL}/{created['id']}"),
        other.get(f"{URL}/{created['id']}/export"),
        other.post(f"{URL}/{created['id']}/close", {"status": "done"}),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert all("data protection officer" in a.json()["detail"] for a in answers)
    assert DataSubjectRequest.objects.count() == 1
    assert DataSubjectRequest.objects.get().status == "open"


def test_an_unknown_request_is_not_found(api):
    assert api.get(f"{URL}/0190c5a0-0000-7000-8000-000000000000").status_code == 404
    assert api.get(f"{URL}/not-an-id/export").status_code == 404


def test_the_list_costs_the_same_queries_for_more_requests(api, anna, dpo):
    from kontor.privacy.services import request_create
    from tests.query_counts import CaptureWorkQueries

    def queries() -> int:
        with CaptureWorkQueries() as captured:
            assert api.get(URL).status_code == 200
        return len(captured.work)

    request_create(actor=dpo, type="access", contact_id=anna.pk)
    queries()  # the first call reads what later ones find cached (the token's user)
    few = queries()
    for kind in ("erasure", "objection", "restriction"):
        request_create(actor=dpo, type=kind, contact_id=anna.pk)

    assert queries() == few
