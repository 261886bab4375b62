"""Optional TOTP two-factor authentication (django-otp), required for members
of the groups named in ``KONTOR_2FA_REQUIRED_GROUPS``.

Whether a session still owes its second factor is decided once, at login, and
kept in the session: pages then cost no extra query for the many users
without two-factor authentication. A group change takes effect at the user's
next login."""

from datetime import datetime

import django_otp
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kontor.core.exceptions import FieldErrors, PermissionDenied

SESSION_KEY = "kontor_2fa"
# Values of SESSION_KEY: the user has a device and must enter a code, or
# belongs to a group that requires a device and has none yet.
MUST_VERIFY = "verify"
MUST_SET_UP = "setup"


def two_factor_required(user: AbstractBaseUser) -> bool:
    groups = settings.KONTOR_2FA_REQUIRED_GROUPS
    if not groups or not user.is_authenticated:
        return False
    return user.groups.filter(name__in=groups).exists()


def has_confirmed_device(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user: AbstractBaseUser) -> str | None:
    """What a fresh login of ``user`` still owes: a code, a device, or nothing."""
    if has_confirmed_device(user):
        return MUST_VERIFY
    if two_factor_required(user):
        return MUST_SET_UP
    return None


def remember_pending_step(request: HttpRequest, user: AbstractBaseUser) -> None:
    step = pending_step(user)
    if step:
        request.session[SESSION_KEY] = step
    else:
        request.session.pop(SESSION_KEY, None)


def is_pending(request: HttpRequest) -> bool:
    """True while a password-authenticated session has not passed its second factor."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


# Setting up, confirming and removing a device --------------------------------


def totp_device_for_setup(*, actor: AbstractBaseUser) -> TOTPDevice:
    """The actor's unconfirmed device, made on first use; its secret is shown
    until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
    return device


def totp_confirm(*, request: HttpRequest, actor: AbstractBaseUser, code: str) -> TOTPDevice:
    """Confirm the actor's pending device with a code from it, replace any
    older device, and count this session as verified."""
    if has_confirmed_device(actor) and not actor.is_verified():
        # Replacing a device needs the old one first, or a stolen password would do.
        raise PermissionDenied("Enter a code from your current app first.")
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("id").first()
    if device is None:
        raise FieldErrors.single("code", "Open the setup page again to get a new secret.")
    if problem := _check_code(device, code):
        raise FieldErrors.single("code", problem)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    _mark_verified(request, device)
    return device


def totp_remove(*, request: HttpRequest, actor: AbstractBaseUser, code: str) -> None:
    """Turn two-factor authentication off (needs a current code); not allowed
    while the actor's group requires it."""
    if two_factor_required(actor):
        raise PermissionDenied("Two-factor authentication is required for your role.")
    device = TOTPDevice.objects.filter(user=actor, confirmed=True).first()
    if device is None:
        return
    if problem := _check_code(device, code):
        raise FieldErrors.single("code", problem)
    TOTPDevice.objects.filter(user=actor).delete()
    request.session.pop(SESSION_KEY, None)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)


def totp_verify(*, request: HttpRequest, actor: AbstractBaseUser, code: str) -> None:
    """The second step of a login: a code from one of the actor's devices."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=True).order_by("id").first()
    if device is None:
        raise FieldErrors.single("code", "You have no authenticator app set up.")
    if problem := _check_code(device, code):
        raise FieldErrors.single("code", problem)
    _mark_verified(request, device)


def locked_until(device: TOTPDevice) -> datetime | None:
    allowed, data = device.verify_is_allowed()
    if allowed or not data:
        return None
    return data.get("locked_until")


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code) if not ch.isspace())[:12]


def _check_code(device: TOTPDevice, code: str) -> str | None:
    """Why ``code`` is not accepted, or None if it is (then it is used up).

    The device row is locked so that a code works only once, and a wrong code
    counts towards the device's throttle in a transaction of its own, which an
    error raised later cannot roll back."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if (until := locked_until(locked)) is not None:
            return (
                "Too many wrong codes. Wait until "
                f"{timezone.localtime(until).strftime('%H:%M:%S')} and try again."
            )
        if locked.verify_token(_digits(code)):
            return None
    return "This code is not valid. Enter the current 6-digit code from your app."


def _mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[SESSION_KEY] = MUST_VERIFY


def on_user_logged_in(
    sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs
) -> None:
    """Receiver of ``user_logged_in`` (every login path: the login page, the
    admin's, tests' force_login)."""
    if request is not None and hasattr(request, "session"):
        remember_pending_step(request, user)
