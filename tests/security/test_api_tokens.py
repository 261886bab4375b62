from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kontor.accounts.models import ApiToken
from kontor.accounts.services import api_token_create
from tests.conftest import ApiClient, api_client_for
from tests.factories import UserFactory


@pytest.fixture
def session(user) -> ApiClient:
    client = ApiClient()
    client.force_login(user)
    return client


def test_the_owner_sees_their_tokens_and_nobody_elses(user, api):
    other = UserFactory(username="other")
    api_token_create(actor=other, user=other, name="not yours")

    items = api.get("/api/v1/tokens").json()["items"]

    assert [t["name"] for t in items] == ["test"]
    assert set(items[0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    assert items[0]["last_used_at"] is not None


def test_a_logged_in_user_makes_a_token_and_sees_the_secret_once(user, session):
    response = session.post("/api/v1/tokens", {"name": "phone system"})

    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("ktr_")
    assert body["token"]["prefix"] == secret[:10]
    assert ApiClient(secret).get("/api/v1/contacts").status_code == 200
    listed = session.get("/api/v1/tokens").text
    assert secret not in listed
    assert ApiToken.objects.get(pk=body["token"]["id"]).key_hash != secret


def test_a_token_cannot_make_another_token(api):
    response = api.post("/api/v1/tokens", {"name": "persistence"})

    assert response.status_code == 403
    assert "not with another API token" in response.json()["detail"]


def test_making_a_token_from_a_session_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/api/v1/tokens", "{}", content_type="application/json")

    assert response.status_code in {401, 403}
    assert not ApiToken.objects.exists()


def test_a_token_can_expire(user, session):
    expires = timezone.now() + timedelta(days=30)
    body = session.post("/api/v1/tokens", {"expires_at": expires.isoformat()}).json()
    token = ApiToken.objects.get(pk=body["token"]["id"])
    assert abs(token.expires_at - expires) < timedelta(seconds=1)

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert ApiClient(body["secret"]).get("/api/v1/contacts").status_code == 401


def test_an_expiry_in_the_past_is_rejected(session):
    response = session.post("/api/v1/tokens", {"expires_at": "2001-01-01T00:00:00Z"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "expires_at"]


def test_unknown_fields_are_rejected(session):
    response = session.post("/api/v1/tokens", {"name": "x", "scope": "admin"})
    assert response.status_code == 422


def test_a_revoked_token_stops_working_at_once(user, api):
    token_id = api.get("/api/v1/tokens").json()["items"][0]["id"]

    revoked = api.delete(f"/api/v1/tokens/{token_id}")

    assert revoked.status_code == 204
    assert api.get("/api/v1/contacts").status_code == 401
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None


def test_revoking_twice_is_harmless(user, api):
    other_client = api_client_for(user)
    token_id = api.get("/api/v1/tokens").json()["items"][-1]["id"]

    assert other_client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert other_client.delete(f"/api/v1/tokens/{token_id}").status_code == 204


def test_nobody_revokes_another_users_token(api):
    other = UserFactory(username="other")
    token, key = api_token_create(actor=other, user=other)

    response = api.delete(f"/api/v1/tokens/{token.pk}")

    assert response.status_code == 404
    assert ApiClient(key).get("/api/v1/contacts").status_code == 200


def test_a_malformed_token_id_is_a_422(api):
    response = api.delete("/api/v1/tokens/not-a-uuid")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_last_use_is_recorded_to_the_minute(user):
    token, key = api_token_create(actor=user, user=user)
    assert token.last_used_at is None

    ApiClient(key).get("/api/v1/contacts")

    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_a_token_of_a_deactivated_user_stops_working(user, api):
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert api.get("/api/v1/contacts").status_code == 401


# The page --------------------------------------------------------------------------


def test_the_token_page_makes_a_token_and_shows_it_only_once(user, client):
    client.force_login(user)

    made = client.post(reverse("token-list"), {"name": "Mail server", "expires_in_days": "90"})
    again = client.get(reverse("token-list"))

    token = ApiToken.objects.get(user=user)
    secret = made.context["secret"]
    assert made.status_code == 200
    assert secret in made.text
    assert "no-store" in made["Cache-Control"]
    assert secret not in again.text
    assert "Mail server" in again.text
    assert token.prefix in again.text
    assert token.expires_at - timezone.now() > timedelta(days=89)


def test_the_token_page_revokes_a_token(user, client):
    token, key = api_token_create(actor=user, user=user, name="old script")
    client.force_login(user)

    response = client.post(reverse("token-revoke", args=[token.pk]), follow=True)

    assert response.status_code == 200
    assert "revoked" in response.text
    assert ApiClient(key).get("/api/v1/contacts").status_code == 401


def test_the_token_page_cannot_revoke_another_users_token(user, client):
    other = UserFactory(username="other")
    token, key = api_token_create(actor=other, user=other)
    client.force_login(user)

    response = client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert ApiClient(key).get("/api/v1/contacts").status_code == 200


def test_the_token_page_needs_a_login(client):
    response = client.get(reverse("token-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
