"""3CX's CRM integration: contact lookup and call journal."""

import pytest

from kontor.activities.models import Activity, Kind
from kontor.contacts.services import contact_create, organization_create
from tests.factories import ContactFactory, OrganizationFactory
from tests.telephony.conftest import give_role

LOOKUP = "/api/v1/telephony/3cx/lookup"
JOURNAL = "/api/v1/telephony/3cx/calls"


@pytest.fixture
def bernd(user):
    organization = OrganizationFactory(name="Bauer KG", owner=user)
    return ContactFactory(
        first_name="Bernd",
        last_name="Bauer",
        organization_id=organization.pk,
        phones=[
            {"number": "+49 30 9876543", "label": "work"},
            {"number": "0171 2345678", "label": "mobile"},
        ],
        emails=["bernd@bauer.example"],
        owner=user,
    )


@pytest.mark.parametrize("number", ["+49309876543", "00493098765 43", "030/9876543", "49309876543"])
def test_the_lookup_answers_flat_json_for_3cx(pbx, bernd, number):
    response = pbx.get(LOOKUP, {"number": number})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "contacts": [
            {
                "id": str(bernd.pk),
                "firstname": "Bernd",
                "lastname": "Bauer",
                "company": "Bauer KG",
                "email": "bernd@bauer.example",
                "phone_business": "+49309876543",
                "phone_mobile": "+491712345678",
                "url": f"http://testserver/contacts/{bernd.pk}/",
            }
        ]
    }


def test_an_organization_is_a_company_without_names(pbx, user):
    organization = OrganizationFactory(name="Zentrale AG", phones=["+49 40 111222-0"], owner=user)

    [found] = pbx.get(LOOKUP, {"number": "+49 40 111222-17"}).json()["contacts"]

    assert found["company"] == "Zentrale AG"
    assert found["firstname"] == found["lastname"] == ""
    assert found["id"] == str(organization.pk)


def test_an_unknown_number_finds_nobody(pbx, bernd):
    assert pbx.get(LOOKUP, {"number": "+44 20 7946 0000"}).json() == {"contacts": []}


def test_the_lookup_accepts_the_secret_in_the_url(client, secret, bernd):
    response = client.get(LOOKUP, {"number": "+49309876543", "token": secret})

    assert response.status_code == 200
    assert len(response.json()["contacts"]) == 1


def test_the_lookup_refuses_anybody_else(client, api, integration):
    assert client.get(LOOKUP, {"number": "+49309876543"}).status_code == 401
    assert api.get(LOOKUP, {"number": "+49309876543"}).status_code == 403


def journal(**fields) -> dict:
    return {
        "number": "+49309876543",
        "call_type": "Inbound",
        "agent": "21",
        "duration": "00:03:25",
        "started_at": "2026-03-02 09:15:00",
        **fields,
    }


def test_an_answered_call_is_journaled_with_its_duration(pbx, bernd, agent):
    response = pbx.post(JOURNAL, journal())

    assert response.status_code == 200, response.content
    call = Activity.objects.get(kind=Kind.CALL)
    assert call.contact == bernd
    assert (call.direction, call.outcome, call.duration_seconds) == ("inbound", "answered", 205)
    assert call.author == agent


def test_a_form_encoded_journal_entry_is_read_too(client, secret, bernd):
    response = client.post(f"{JOURNAL}?token={secret}", journal(CALL_TYPE="Missed"))

    assert response.status_code == 200, response.content
    assert Activity.objects.get(kind=Kind.CALL).outcome == "missed"


def test_a_missed_call_is_journaled_with_a_call_back_task(pbx, bernd, agent):
    pbx.post(JOURNAL, journal(call_type="Missed", duration=""))

    assert Activity.objects.get(kind=Kind.CALL).outcome == "missed"
    assert Activity.objects.get(kind=Kind.TASK).assignee == agent


def test_an_unanswered_outgoing_call_is_journaled_without_a_task(pbx, bernd):
    pbx.post(JOURNAL, journal(call_type="Notanswered", duration="0"))

    call = Activity.objects.get(kind=Kind.CALL)
    assert (call.direction, call.outcome) == ("outbound", "missed")
    assert not Activity.objects.filter(kind=Kind.TASK).exists()


def test_the_same_journal_entry_twice_is_logged_once(pbx, bernd):
    pbx.post(JOURNAL, journal())
    pbx.post(JOURNAL, journal())

    assert Activity.objects.filter(kind=Kind.CALL).count() == 1


def test_a_journal_entry_with_the_3cx_call_id_is_known_by_it(pbx, bernd):
    pbx.post(JOURNAL, journal(call_id="00000123"))
    pbx.post(JOURNAL, journal(call_id="00000123", started_at="later"))

    assert Activity.objects.filter(kind=Kind.CALL).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"call_type": "Teleported"}, "call_type"),
        ({"number": ""}, "number"),
        ({"duration": "three minutes"}, "duration"),
    ],
)
def test_a_bad_journal_entry_is_a_422(pbx, bernd, fields, field):
    response = pbx.post(JOURNAL, journal(**fields))

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_a_journal_body_that_is_no_object_is_a_422(pbx):
    assert pbx.post(JOURNAL, [1, 2]).status_code == 422


def test_the_lookup_names_no_company_the_phone_systems_user_may_not_read(
    pbx, pbx_user, admin_user, colleague
):
    give_role(pbx_user, "sales")
    hidden = organization_create(
        actor=admin_user, data={"name": "Fremde Firma AG", "owner_id": colleague.pk}
    )
    contact_create(
        actor=admin_user,
        data={"first_name": "Berta", "organization_id": hidden.pk, "owner_id": pbx_user.pk,
              "phones": ["+49 30 7654321"]},
    )  # fmt: skip

    [found] = pbx.get(LOOKUP, {"number": "+49 30 7654321"}).json()["contacts"]

    assert (found["firstname"], found["company"]) == ("Berta", "")
