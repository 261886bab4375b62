"""Bugs the API fuzzing found, each pinned by the request that showed it."""

import pytest

from tests.conftest import api_client_for
from tests.factories import UserFactory


def test_a_number_is_no_date_in_a_query(api):
    """?until=0.5 was read as a Unix timestamp (1970) and answered 200."""
    response = api.get("/api/v1/activities", {"until": "0.5"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "until"]


def test_a_number_is_no_date_in_a_body(api):
    from tests.factories import ContactFactory

    contact = ContactFactory()
    response = api.post(
        "/api/v1/activities", {"kind": "note", "contact_id": str(contact.pk), "occurred_at": 5}
    )

    assert response.status_code == 422


def test_a_team_member_id_beyond_the_integer_range_is_a_422_not_a_crash(db):
    """A member id over 2**63 made the database driver overflow (500)."""
    admin = api_client_for(UserFactory(username="boss", is_staff=True, is_superuser=True))

    response = admin.post("/api/v1/teams", {"name": "Sales", "member_ids": [2**96]})

    assert response.status_code == 422
    assert "member_ids" in response.json()["detail"][0]["loc"]


def test_a_time_zone_offset_postgresql_cannot_store_is_read_as_utc(api):
    """ISO 8601 allows offsets up to 24 h; PostgreSQL refused +18:26 (500)."""
    response = api.get(
        "/api/v1/activities",
        {"since": "1039-02-21T05:11:04+18:26", "until": "2999-01-01T00:00:00-19:19"},
    )

    assert response.status_code == 200


def test_a_date_too_early_for_utc_is_a_422(api):
    response = api.get("/api/v1/activities", {"since": "0001-01-01T00:00:00+05:00"})

    assert response.status_code == 422


def test_text_with_a_nul_character_is_a_422_not_a_crash(db):
    """PostgreSQL refuses NUL in text, and surrogates are no UTF-8 (500s)."""
    from tests.factories import ContactFactory

    admin = api_client_for(UserFactory(username="boss", is_staff=True, is_superuser=True))
    contact = ContactFactory()

    team = admin.post("/api/v1/teams", {"name": "Sales\u0000Team"})
    note = admin.post(
        "/api/v1/activities", {"kind": "note", "contact_id": str(contact.pk), "subject": "a\u0000"}
    )
    body = admin.post(
        "/api/v1/activities", {"kind": "note", "contact_id": str(contact.pk), "body": "a\ud800b"}
    )

    assert team.status_code == 422
    assert team.json()["detail"][0]["loc"] == ["body", "name"]
    assert note.status_code == 422
    assert note.json()["detail"][0]["loc"] == ["body", "subject"]
    assert body.status_code == 422


def test_a_number_is_no_due_time_consent_time_or_day_of_receipt(db):
    """A ticket's due times, a consent's times and a data protection
    request's day of receipt are documented as ISO 8601; a number was read
    as a Unix timestamp (a ticket due in 1965, answered 201)."""
    import uuid

    admin = api_client_for(UserFactory(username="boss", is_staff=True, is_superuser=True))
    attempts = [
        ("/api/v1/tickets", {"subject": "Drucker", "first_response_due_at": -137098227}),
        ("/api/v1/tickets", {"subject": "Drucker", "resolution_due_at": "1700000000"}),
        (
            f"/api/v1/contacts/{uuid.uuid4()}/consents",
            {"purpose": "newsletter", "status": "granted", "since": 0},
        ),
        (
            f"/api/v1/contacts/{uuid.uuid4()}/consents",
            {"purpose": "newsletter", "status": "granted", "evidence_at": 1.5},
        ),
        ("/api/v1/privacy/requests", {"type": "access", "email": "a@b.de", "received_on": 0}),
    ]
    for path, body in attempts:
        response = admin.post(path, body)

        assert response.status_code == 422, (path, body, response.content)
        [field] = set(body) - {"subject", "purpose", "status", "type", "email"}
        assert response.json()["detail"][0]["loc"][-1] == field


def test_a_purpose_key_with_a_nul_character_is_a_422_not_a_crash(db):
    """A consent for the purpose "…\\u0000G" was a 500 on PostgreSQL, which
    refuses NUL characters even in the query that looks the purpose up; so
    was an objection to it."""
    from kontor.consent.services import record_objection
    from kontor.core.exceptions import FieldErrors
    from tests.factories import ContactFactory

    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    contact = ContactFactory(owner=boss)
    admin = api_client_for(boss)

    consent = admin.post(
        f"/api/v1/contacts/{contact.pk}/consents", {"purpose": "news\u0000G", "status": "objected"}
    )

    assert consent.status_code == 422
    assert consent.json()["detail"][0]["loc"][-1] == "purpose"
    with pytest.raises(FieldErrors) as refused:
        record_objection(actor=boss, person=contact, purposes=["news\u0000G"], source="letter")
    assert "purposes" in refused.value.errors
