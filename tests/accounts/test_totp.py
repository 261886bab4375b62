import time

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import api_client_for
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def code_for(device: TOTPDevice, steps: int = 0) -> str:
    """The code an app shows ``steps`` time steps from now (each code works once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, drift=0)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def log_in(client: Client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def set_up_device(client: Client) -> TOTPDevice:
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("two-factor-setup"), {"code": code_for(device)})
    assert response.status_code == 302, response.content
    device.refresh_from_db()
    return device


@pytest.fixture
def anna(db):
    return UserFactory(username="anna")


def test_without_two_factor_a_password_is_enough(client, anna):
    log_in(client, "anna")
    assert client.get(reverse("token-list")).status_code == 200


def test_the_setup_page_shows_a_qr_code_and_the_secret_as_text(client, anna):
    log_in(client, "anna")

    page = client.get(reverse("two-factor-setup"))
    qr = client.get(reverse("two-factor-qr"))

    device = TOTPDevice.objects.get(user=anna)
    assert not device.confirmed
    assert page.status_code == 200
    assert "otpauth://totp/Kontor%3Aanna?secret=" in page.text
    secret = page.context["secret"].replace(" ", "")
    assert device.config_url.split("secret=")[1].startswith(secret)
    assert f'src="{reverse("two-factor-qr")}"' in page.text
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") or b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]


def test_a_wrong_code_does_not_turn_it_on(client, anna):
    log_in(client, "anna")
    client.get(reverse("two-factor-setup"))

    response = client.post(reverse("two-factor-setup"), {"code": "000000"})

    assert response.status_code == 200
    assert "This code is not valid" in response.text
    assert not TOTPDevice.objects.filter(user=anna, confirmed=True).exists()


def test_after_setup_a_login_asks_for_a_code_before_anything_else(client, anna):
    log_in(client, "anna")
    device = set_up_device(client)
    client.post(reverse("logout"))

    log_in(client, "anna")
    blocked = client.get(reverse("token-list"))
    api = client.get("/api/v1/contacts")
    verified = client.post(
        f"{reverse('two-factor-verify')}?next={reverse('token-list')}",
        {"code": code_for(device, 1)},
    )

    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two-factor-verify") + "?next=")
    assert api.status_code == 401
    assert verified.status_code == 302
    assert verified["Location"] == reverse("token-list")
    assert client.get(reverse("token-list")).status_code == 200
    assert client.get("/api/v1/contacts").status_code == 200


def test_a_code_works_only_once(client, anna):
    log_in(client, "anna")
    device = set_up_device(client)
    code = code_for(device, 1)
    first, second = Client(), Client()
    log_in(first, "anna")
    log_in(second, "anna")

    accepted = first.post(reverse("two-factor-verify"), {"code": code})
    replayed = second.post(reverse("two-factor-verify"), {"code": code})

    assert accepted.status_code == 302
    assert replayed.status_code == 200
    assert "This code is not valid" in replayed.text
    assert second.get(reverse("token-list")).status_code == 302


def test_repeated_wrong_codes_are_throttled(client, anna):
    log_in(client, "anna")
    device = set_up_device(client)
    client.post(reverse("logout"))
    log_in(client, "anna")
    for _ in range(5):
        client.post(reverse("two-factor-verify"), {"code": "000000"})

    response = client.post(reverse("two-factor-verify"), {"code": code_for(device, 1)})

    assert response.status_code == 200
    assert "Too many wrong codes" in response.text


def test_an_unverified_session_cannot_replace_the_device(client, anna):
    log_in(client, "anna")
    set_up_device(client)
    client.post(reverse("logout"))
    log_in(client, "anna")

    setup = client.get(reverse("two-factor-setup"))
    qr = client.get(reverse("two-factor-qr"))

    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("two-factor-verify"))
    assert qr.status_code == 302
    assert TOTPDevice.objects.filter(user=anna).count() == 1


def test_the_verify_page_does_not_redirect_to_other_sites(client, anna):
    log_in(client, "anna")
    device = set_up_device(client)
    client.post(reverse("logout"))
    log_in(client, "anna")

    response = client.post(
        f"{reverse('two-factor-verify')}?next=https://evil.example/", {"code": code_for(device, 1)}
    )

    assert response["Location"] == reverse("home")


def test_members_of_a_required_group_must_set_it_up(client, anna, settings):
    settings.KONTOR_2FA_REQUIRED_GROUPS = ["Administrators"]
    anna.groups.add(Group.objects.create(name="Administrators"))

    log_in(client, "anna")
    blocked = client.get(reverse("token-list"))
    device = set_up_device(client)

    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two-factor-setup") + "?next=")
    assert device.confirmed
    assert client.get(reverse("token-list")).status_code == 200


def test_members_of_other_groups_are_not_asked(client, anna, settings):
    settings.KONTOR_2FA_REQUIRED_GROUPS = ["Administrators"]
    anna.groups.add(Group.objects.create(name="Sales"))

    log_in(client, "anna")

    assert client.get(reverse("token-list")).status_code == 200


def test_it_can_be_turned_off_with_a_current_code(client, anna):
    log_in(client, "anna")
    device = set_up_device(client)

    client.post(reverse("two-factor-remove"), {"code": code_for(device, 1)})

    assert not TOTPDevice.objects.filter(user=anna).exists()
    client.post(reverse("logout"))
    log_in(client, "anna")
    assert client.get(reverse("token-list")).status_code == 200


def test_it_cannot_be_turned_off_when_the_role_requires_it(client, anna, settings):
    settings.KONTOR_2FA_REQUIRED_GROUPS = ["Administrators"]
    anna.groups.add(Group.objects.create(name="Administrators"))
    log_in(client, "anna")
    device = set_up_device(client)

    response = client.post(reverse("two-factor-remove"), {"code": code_for(device, 1)}, follow=True)

    assert "cannot be turned off" in response.text or "required for your role" in response.text
    assert TOTPDevice.objects.filter(user=anna, confirmed=True).exists()


def test_the_admin_is_behind_the_second_factor_too(db, client):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})
    device = set_up_device(client)
    client.post(reverse("logout"))

    client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    client.post(reverse("two-factor-verify"), {"code": code_for(device, 1)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_api_tokens_work_without_the_second_factor(anna):
    """A token is a credential of its own, made by a verified session."""
    TOTPDevice.objects.create(user=anna, confirmed=True)

    assert api_client_for(anna).get("/api/v1/contacts").status_code == 200


def test_a_request_has_the_user_itself_with_the_second_factor_s_answer(client, anna):
    """Views and selectors read ``request.user`` a thousand times a page;
    it is the user, not a lazy stand-in, and still says whether the
    session has passed its second factor."""
    log_in(client, "anna")
    device = set_up_device(client)
    client.post(reverse("logout"))
    log_in(client, "anna")

    pending = client.get("/api/v1/contacts").wsgi_request.user
    client.post(reverse("two-factor-verify"), {"code": code_for(device, 1)})
    verified = client.get("/api/v1/contacts").wsgi_request.user
    client.post(reverse("logout"))
    anonymous = client.get(reverse("login")).wsgi_request.user

    assert type(pending) is type(anna) and pending.pk == anna.pk
    assert not pending.is_verified()
    assert type(verified) is type(anna) and verified.is_verified()
    assert verified.otp_device == device
    assert type(anonymous) is AnonymousUser
