import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from kontor.accounts.models import ApiToken
from kontor.accounts.services import api_token_create, api_token_revoke
from tests.conftest import ApiClient
from tests.factories import ContactFactory, UserFactory

ENDPOINTS = [
    ("get", "/api/v1/contacts"),
    ("post", "/api/v1/contacts"),
    ("get", "/api/v1/contacts/0190e123-4567-789a-bcde-f0123456789a"),
    ("patch", "/api/v1/contacts/0190e123-4567-789a-bcde-f0123456789a"),
    ("delete", "/api/v1/contacts/0190e123-4567-789a-bcde-f0123456789a"),
    ("get", "/api/v1/organizations"),
    ("post", "/api/v1/organizations"),
    ("get", "/api/v1/organizations/0190e123-4567-789a-bcde-f0123456789a"),
    ("patch", "/api/v1/organizations/0190e123-4567-789a-bcde-f0123456789a"),
    ("delete", "/api/v1/organizations/0190e123-4567-789a-bcde-f0123456789a"),
    ("get", "/api/v1/lookup?phone=030+1234567"),
]


def _assert_unauthenticated(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": "Authentication required: send a Bearer token or log in."}
    assert response["WWW-Authenticate"] == "Bearer"


def _token_for(user, **options) -> tuple[ApiToken, str]:
    return api_token_create(actor=user, user=user, name="test", **options)


# Bearer tokens ---------------------------------------------------------------------------


def test_a_bearer_token_authenticates_as_its_user(user):
    _token, key = _token_for(user)

    response = ApiClient(key).post("/api/v1/contacts", {"first_name": "Anna"})

    assert response.status_code == 201
    assert response.json()["owner_id"] == user.pk


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_demands_authentication(db, method, path):
    ContactFactory(phones=["030 1234567"])

    _assert_unauthenticated(getattr(ApiClient(), method)(path))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ktr_wrong",
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "Basic cmVwOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==",
        "Token ktr_abc",
        "Bearer ktr_a ktr_b",
        "Bearer " + "x" * 10_000,
        "Bearer \x00",
        "Bearer ktr_äöü",
        "",
        "ktr_abc",
    ],
)
def test_a_wrong_or_malformed_authorization_is_refused(user, authorization):
    client = Client(headers={"Authorization": authorization})

    _assert_unauthenticated(client.get("/api/v1/contacts"))


def test_a_revoked_token_is_refused(user):
    token, key = _token_for(user)
    assert ApiClient(key).get("/api/v1/contacts").status_code == 200

    api_token_revoke(actor=user, token=token)

    _assert_unauthenticated(ApiClient(key).get("/api/v1/contacts"))


def test_an_expired_token_is_refused(user, monkeypatch):
    _token, key = _token_for(user, expires_at=timezone.now() + datetime.timedelta(hours=1))
    assert ApiClient(key).get("/api/v1/contacts").status_code == 200

    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    _assert_unauthenticated(ApiClient(key).get("/api/v1/contacts"))


def test_a_token_that_expired_before_its_first_use_is_refused(user):
    token, key = _token_for(user, expires_at=timezone.now() + datetime.timedelta(hours=1))
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    _assert_unauthenticated(ApiClient(key).get("/api/v1/contacts"))


def test_a_token_of_an_inactive_user_is_refused(user):
    _token, key = _token_for(user)

    user.is_active = False
    user.save(update_fields=["is_active"])

    _assert_unauthenticated(ApiClient(key).get("/api/v1/contacts"))


def test_a_token_of_a_deleted_user_is_gone(user):
    _token, key = _token_for(user)

    user.delete()

    assert not ApiToken.objects.exists()
    _assert_unauthenticated(ApiClient(key).get("/api/v1/contacts"))


def test_the_database_holds_only_a_hash_of_a_token(user):
    token, key = _token_for(user)

    for row in ApiToken.objects.values():
        for value in row.values():
            assert key not in str(value)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(token.prefix)
    assert len(token.prefix) < len(key) / 3


def test_each_token_is_different_and_works_on_its_own(user):
    _first, first_key = _token_for(user)
    second, second_key = _token_for(user)

    api_token_revoke(actor=user, token=second)

    assert first_key != second_key
    assert ApiClient(first_key).get("/api/v1/contacts").status_code == 200
    assert ApiClient(second_key).get("/api/v1/contacts").status_code == 401


def test_using_a_token_notes_when_it_was_used(user):
    token, key = _token_for(user)
    assert token.last_used_at is None

    ApiClient(key).get("/api/v1/contacts")

    token.refresh_from_db()
    assert token.last_used_at is not None


# Browser sessions --------------------------------------------------------------------------


def _logged_in_browser(username: str) -> Client:
    """A browser that logged in through the login form and checks CSRF like a real one."""
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    response = browser.post(
        "/accounts/login/",
        {
            "username": username,
            "password": "correct horse battery",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content
    return browser


def test_a_browser_session_may_read(user):
    browser = _logged_in_browser("rep")

    assert browser.get("/api/v1/contacts").status_code == 200


def test_a_browser_session_must_send_the_csrf_token_to_write(user):
    browser = _logged_in_browser("rep")

    refused = browser.post(
        "/api/v1/contacts", {"first_name": "Anna"}, content_type="application/json"
    )
    accepted = browser.post(
        "/api/v1/contacts",
        {"first_name": "Anna"},
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert "detail" in refused.json()
    assert accepted.status_code == 201


def test_a_browser_session_ends_with_logout(user):
    browser = _logged_in_browser("rep")

    browser.post("/accounts/logout/", headers={"X-CSRFToken": browser.cookies["csrftoken"].value})

    _assert_unauthenticated(browser.get("/api/v1/contacts"))


def test_a_session_of_a_user_made_inactive_is_refused(user):
    browser = _logged_in_browser("rep")

    user.is_active = False
    user.save(update_fields=["is_active"])

    _assert_unauthenticated(browser.get("/api/v1/contacts"))


def test_a_token_and_a_session_of_different_users_act_as_the_tokens_user(user):
    browser = _logged_in_browser("rep")
    colleague = UserFactory(username="colleague")
    _token, key = _token_for(colleague)

    response = browser.post(
        "/api/v1/contacts",
        {"first_name": "Anna"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 201
    assert response.json()["owner_id"] == colleague.pk


# Documentation -------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/lookup",
    } <= set(document["paths"])
    assert set(document["paths"]["/api/v1/contacts/{contact_id}"]) == {"get", "patch", "delete"}
    assert any(
        scheme.get("scheme") == "bearer"
        for scheme in document["components"]["securitySchemes"].values()
    )


def test_the_interactive_documentation_is_served(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content
