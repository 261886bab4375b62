import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def limits(settings):
    settings.KONTOR_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    settings.KONTOR_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    return settings


def test_a_wrong_password_shows_the_form_again(db, client):
    UserFactory(username="anna")
    response = _login(client, "anna", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_right_password_logs_in(db, client):
    UserFactory(username="anna")
    assert _login(client, "anna", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(
    db, client, limits
):
    UserFactory(username="anna")
    for attempt in range(3):
        response = _login(client, "anna", f"wrong {attempt}")
    assert response.status_code == 429

    locked = _login(client, "anna", PASSWORD)

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Too many failed login attempts" in locked.text or "too many failed" in locked.text
    assert "_auth_user_id" not in client.session


def test_the_account_lock_holds_from_any_address(db, client, limits):
    UserFactory(username="anna")
    for attempt in range(3):
        _login(client, "anna", f"wrong {attempt}", address=f"10.0.0.{attempt + 1}")

    assert _login(client, "anna", PASSWORD, address="10.9.9.9").status_code == 429


def test_other_accounts_are_not_locked_by_one_accounts_failures(db, client, limits):
    UserFactory(username="anna")
    UserFactory(username="ben")
    for attempt in range(3):
        _login(client, "anna", f"wrong {attempt}")

    assert _login(client, "ben", PASSWORD).status_code == 302


def test_a_client_address_is_locked_after_failures_across_accounts(db, client, limits):
    UserFactory(username="ben")
    for attempt in range(6):
        _login(client, f"guess{attempt}", "wrong", address="10.6.6.6")

    assert _login(client, "ben", PASSWORD, address="10.6.6.6").status_code == 429
    assert _login(client, "ben", PASSWORD, address="10.7.7.7").status_code == 302


def test_an_address_has_a_higher_limit_than_an_account(db, client, limits):
    """Colleagues behind one office address: a few typos lock nobody else out."""
    UserFactory(username="ben")
    for attempt in range(5):
        _login(client, f"colleague{attempt}", "typo", address="10.6.6.6")

    assert _login(client, "ben", PASSWORD, address="10.6.6.6").status_code == 302


def test_the_lock_ends_after_the_cool_off(db, client, limits, settings):
    UserFactory(username="anna")
    for attempt in range(3):
        _login(client, "anna", f"wrong {attempt}")
    assert _login(client, "anna", PASSWORD).status_code == 429

    from axes.models import AccessAttempt
    from django.utils import timezone

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)

    assert _login(client, "anna", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(db, client, limits):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for attempt in range(3):
        client.post(
            reverse("admin:login"),
            {"username": "boss", "password": f"wrong {attempt}"},
            REMOTE_ADDR="10.0.0.1",
        )

    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429


def test_a_lockout_asked_for_as_json_is_json(db, client, limits):
    UserFactory(username="anna")
    for attempt in range(4):
        response = client.post(
            reverse("login"),
            {"username": "anna", "password": f"wrong {attempt}"},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed login attempts")


def test_behind_a_proxy_the_forwarded_client_address_is_locked_not_the_proxy(
    db, client, limits, settings
):
    settings.KONTOR_TRUSTED_PROXIES = 1
    UserFactory(username="ben")
    for attempt in range(6):
        client.post(
            reverse("login"),
            {"username": f"guess{attempt}", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )

    attacker = client.post(
        reverse("login"),
        {"username": "ben", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    colleague = Client().post(
        reverse("login"),
        {"username": "ben", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert attacker.status_code == 429
    assert colleague.status_code == 302


def test_a_forged_forwarded_for_entry_does_not_escape_the_lock(db, client, limits, settings):
    """Only the entry our proxy appended counts; the client's own are ignored."""
    settings.KONTOR_TRUSTED_PROXIES = 1
    UserFactory(username="ben")
    for attempt in range(6):
        client.post(
            reverse("login"),
            {"username": f"guess{attempt}", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.1.1.{attempt}, 198.51.100.7",
        )

    response = client.post(
        reverse("login"),
        {"username": "ben", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.99.99.99, 198.51.100.7",
    )
    assert response.status_code == 429
