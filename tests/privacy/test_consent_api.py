"""Purposes and a person's consents through the API: administrators define
purposes; whoever may read a contact reads its consents, whoever may edit it
records them (append-only history, current state = latest row); a grant by
consent needs evidence; a withdrawal or objection ends the basis."""

import pytest

from kontor.audit.models import AuditEntry
from kontor.consent.models import ConsentRecord, Purpose
from kontor.consent.selectors import basis_problem, has_basis
from kontor.contacts.services import contact_create
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.query_counts import CaptureWorkQueries

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="consent-admin", roles=["administrator"])


@pytest.fixture
def newsletter(admin):
    return Purpose.objects.create(key="newsletter", name="Newsletter", requires_consent=True)


@pytest.fixture
def anna(admin):
    return contact_create(
        actor=admin,
        data={
            "first_name": "Anna",
            "last_name": "Einwilligung",
            "emails": [{"address": "anna@einwilligung.example"}],
        },
    )


def _url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/consents"


GRANT = {
    "purpose": "newsletter",
    "status": "granted",
    "legal_basis": "consent",
    "source": "trade fair",
    "text_version": "newsletter-2026-01",
    "channel": "paper form",
}


def test_administrators_define_purposes_others_may_not(admin):
    api = api_client_for(admin)
    response = api.post(
        "/api/v1/purposes",
        {"key": "phone-marketing", "name": "Phone marketing", "description": "Calls about offers"},
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "key": "phone-marketing",
        "name": "Phone marketing",
        "description": "Calls about offers",
        "requires_consent": True,
    }
    assert [p["key"] for p in api.get("/api/v1/purposes").json()] == ["phone-marketing"]

    again = api.post("/api/v1/purposes", {"key": "phone-marketing", "name": "Again"})
    assert again.status_code == 422
    bad = api.post("/api/v1/purposes", {"key": "Not A Key", "name": "x"})
    assert bad.status_code == 422

    sales = api_client_for(UserFactory(username="seller", roles=["sales"]))
    assert sales.post("/api/v1/purposes", {"key": "x", "name": "X"}).status_code == 403


def test_grant_then_withdraw_keeps_the_history(admin, anna, newsletter):
    api = api_client_for(admin)
    response = api.post(_url(anna), GRANT)
    assert response.status_code == 201, response.content
    granted = response.json()
    assert granted["status"] == "granted" and granted["evidence"]["channel"] == "paper form"
    assert granted["evidence"]["text_version"] == "newsletter-2026-01"
    assert has_basis(anna, "newsletter")

    withdrawn = api.post(
        _url(anna), {"purpose": "newsletter", "status": "withdrawn", "source": "phone call"}
    )
    assert withdrawn.status_code == 201, withdrawn.content

    body = api.get(_url(anna)).json()
    assert [(c["purpose"], c["status"], c["valid"]) for c in body["current"]] == [
        ("newsletter", "withdrawn", False)
    ]
    assert [h["status"] for h in body["history"]] == ["withdrawn", "granted"]
    assert ConsentRecord.objects.filter(contact=anna).count() == 2
    assert not has_basis(anna, "newsletter")
    audited = AuditEntry.objects.filter(parent_id=str(anna.pk), changes__purpose__1="newsletter")
    assert audited.count() == 2


def test_an_objection_stops_even_a_legitimate_interest(admin, anna):
    Purpose.objects.create(key="profiling", name="Lead scoring", requires_consent=False)
    api = api_client_for(admin)
    basis = {"purpose": "profiling", "status": "granted", "legal_basis": "legitimate_interest"}
    assert api.post(_url(anna), basis).status_code == 201
    assert has_basis(anna, "profiling")

    assert api.post(_url(anna), {"purpose": "profiling", "status": "objected"}).status_code == 201
    assert "Art. 21" in basis_problem(anna, "profiling")


def test_a_purpose_that_requires_consent_takes_no_other_basis(admin, anna, newsletter):
    api = api_client_for(admin)
    body = {"purpose": "newsletter", "status": "granted", "legal_basis": "legitimate_interest"}
    assert api.post(_url(anna), body).status_code == 201
    assert "§ 7 UWG" in basis_problem(anna, "newsletter")
    assert not has_basis(anna, "unknown-purpose")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text_version": ""}, "text_version"),
        ({"channel": ""}, "channel"),
        ({"purpose": "nope"}, "purpose"),
        ({"status": "maybe"}, "status"),
        ({"legal_basis": "whim"}, "legal_basis"),
        ({"ip_address": "not-an-ip"}, "ip_address"),
    ],
)
def test_bad_input_is_a_422(admin, anna, newsletter, change, field):
    response = api_client_for(admin).post(_url(anna), {**GRANT, **change})
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_access_follows_the_contact(admin, anna, newsletter):
    api_client_for(admin).post(_url(anna), GRANT)
    stranger = api_client_for(UserFactory(username="stranger", roles=["sales"]))
    assert stranger.get(_url(anna)).status_code == 404
    assert stranger.post(_url(anna), GRANT).status_code == 404

    reader = api_client_for(UserFactory(username="reader", roles=["read-only"]))
    assert reader.get(_url(anna)).status_code == 200
    assert reader.post(_url(anna), GRANT).status_code == 403
    assert ConsentRecord.objects.count() == 1


def test_the_erasure_handler_removes_the_persons_consents_only(admin, anna, newsletter):
    from kontor.consent.erasure import erase_consents
    from kontor.consent.models import OptIn
    from kontor.core.erasure import Erasure, Identifiers

    other = contact_create(actor=admin, data={"first_name": "Otto", "last_name": "Other"})
    api = api_client_for(admin)
    for person in (anna, other):
        assert api.post(_url(person), GRANT).status_code == 201
    OptIn.objects.create(contact=anna, purpose=newsletter, address="anna@einwilligung.example")

    erasure = Erasure(actor=admin, person=anna, identifiers=Identifiers())
    erase_consents(erasure)

    assert erasure.stores == {"consents": 1}
    assert not ConsentRecord.objects.filter(contact=anna).exists()
    assert not OptIn.objects.exists()
    assert ConsentRecord.objects.filter(contact=other).count() == 1


def test_the_list_takes_a_fixed_number_of_queries(admin, anna):
    api = api_client_for(admin)
    for key in ("a", "b", "c", "d"):
        Purpose.objects.create(key=key, name=key.upper(), requires_consent=False)
        api.post(_url(anna), {"purpose": key, "status": "granted", "legal_basis": "contract"})
        api.post(_url(anna), {"purpose": key, "status": "withdrawn"})
    with CaptureWorkQueries() as counted:
        body = api.get(_url(anna)).json()
    few = len(counted.work)
    assert few <= 20
    assert len(body["current"]) == 4 and len(body["history"]) == 8

    for key in ("e", "f", "g"):
        Purpose.objects.create(key=key, name=key.upper(), requires_consent=False)
        api.post(_url(anna), {"purpose": key, "status": "objected"})
    with CaptureWorkQueries() as more:
        assert len(api.get(_url(anna)).json()["current"]) == 7
    assert len(more.work) <= few


def test_text_a_database_cannot_store_is_a_422_naming_the_field(admin, anna, newsletter):
    api = api_client_for(admin)

    purpose = api.post("/api/v1/purposes", {"key": "calls", "name": "Tele\x00fon"})
    consent = api.post(_url(anna), {**GRANT, "source": "Messe\x00"})
    opt_in = api.post(f"{_url(anna)}/newsletter/opt-in", {"text_version": "v\ud800"})

    for response, field in ((purpose, "name"), (consent, "source"), (opt_in, "text_version")):
        assert response.status_code == 422, response.content
        assert field in [d["loc"][-1] for d in response.json()["detail"]]
    assert not ConsentRecord.objects.filter(contact=anna).exists()
