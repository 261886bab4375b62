import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_pages_forbid_inline_scripts_and_foreign_sources(logged_in):
    policy = _csp(logged_in.get(reverse("token-list")))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_the_login_page_has_the_security_headers(db, client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_have_the_security_headers(api):
    response = api.get("/api/v1/contacts")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_api_docs_load_only_their_own_scripts(db, client):
    """Swagger UI comes from Kontor's static files and reads its settings from a
    JSON block, so the strict policy needs no exception."""
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert _csp(response)["script-src"] == ["'self'"]
    html = response.text
    assert '<script type="application/json" id="swagger-settings">' in html
    inline = [
        chunk
        for chunk in html.split("<script")[1:]
        if "src=" not in chunk.split(">")[0] and "application/json" not in chunk.split(">")[0]
    ]
    assert inline == []
    # Every script and stylesheet comes from this server, none from a CDN.
    assets = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert assets
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets


def test_session_and_csrf_cookies_are_httponly_and_samesite(db, client, user):
    from tests.factories import UserFactory

    UserFactory(username="anna")
    client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": "anna", "password": "correct horse battery"}
    )

    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"


def test_forms_need_the_csrf_token(db):
    from tests.factories import UserFactory

    UserFactory(username="anna")
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("login"), {"username": "anna", "password": "correct horse battery"}
    )

    assert response.status_code == 403


def _post_forms_without_csrf_token(html: str) -> list[str]:
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.DOTALL | re.IGNORECASE)
    return [
        form[:120]
        for form in forms
        if re.search(r"method=[\"']?post", form[: form.index(">")], re.IGNORECASE)
        and 'name="csrfmiddlewaretoken"' not in form
    ]


def test_every_form_that_posts_carries_the_csrf_token(logged_in, user):
    from kontor.accounts.services import api_token_create
    from kontor.contacts.services import contact_create, organization_create

    api_token_create(actor=user, user=user, name="x")
    organization = organization_create(actor=user, data={"name": "Acme"})
    contact = contact_create(
        actor=user, data={"first_name": "Anna", "organization_id": organization.pk}
    )
    pages = [
        ("token-list", []),
        ("two-factor-setup", []),
        ("contact-list", []),
        ("contact-create", []),
        ("contact-detail", [contact.pk]),
        ("contact-edit", [contact.pk]),
        ("contact-delete", [contact.pk]),
        ("organization-list", []),
        ("organization-create", []),
        ("organization-detail", [organization.pk]),
        ("organization-edit", [organization.pk]),
        ("organization-delete", [organization.pk]),
        ("my-tasks", []),
    ]
    posting_forms = 0
    for name, args in pages:
        response = logged_in.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert _post_forms_without_csrf_token(response.text) == [], name
        posting_forms += len(re.findall(r"<form\b[^>]*method=[\"']?post", response.text, re.I))
    assert posting_forms >= len(pages)  # the check above had forms to look at


# Behind a TLS-terminating reverse proxy --------------------------------------------


def _settings_with(env: dict[str, str]) -> dict:
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'KONTOR_TRUSTED_PROXIES', "
        "'CSRF_TRUSTED_ORIGINS')}))\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kontor.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_one_variable_turns_on_https_only_settings(tmp_path):
    values = _settings_with(
        {
            "KONTOR_BEHIND_TLS_PROXY": "1",
            "KONTOR_CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
            "KONTOR_VAR_DIR": str(tmp_path),
        }
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["KONTOR_TRUSTED_PROXIES"] == 1
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://crm.example.com"]


def test_without_a_proxy_nothing_assumes_https(tmp_path):
    values = _settings_with({"KONTOR_VAR_DIR": str(tmp_path), "KONTOR_BEHIND_TLS_PROXY": "0"})

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["KONTOR_TRUSTED_PROXIES"] == 0


@pytest.fixture
def behind_tls_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.KONTOR_TRUSTED_PROXIES = 1
    return settings


def test_over_https_via_the_proxy_pages_send_hsts_and_secure_cookies(db, client, behind_tls_proxy):
    from tests.factories import UserFactory

    UserFactory(username="anna")
    https = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    client.get(reverse("login"), **https)

    response = client.post(
        reverse("login"), {"username": "anna", "password": "correct horse battery"}, **https
    )

    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["sessionid"]["secure"]
    assert client.cookies["csrftoken"]["secure"]


def test_plain_http_via_the_proxy_is_redirected_to_https(db, client, behind_tls_proxy):
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="http")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")
