"""The suppression list: an erased person's email addresses and phone
numbers as keyed hashes (HMAC-SHA256, the key derived from SECRET_KEY with
its own salt), never in clear. ``is_suppressed`` answers the port in
kontor.core.erasure, which the mail capture asks before it makes a contact
of an unknown sender. Off with KONTOR_PRIVACY_SUPPRESSION=false: nothing is
added and nothing is suppressed."""

from django.conf import settings
from django.utils.crypto import salted_hmac

from kontor.privacy.models import Suppression, SuppressionKind

SALT = "kontor.privacy.suppression"


def _normal(kind: str, value: str) -> str:
    value = (value or "").strip()
    return value.lower() if kind == SuppressionKind.EMAIL else value


def digest(kind: str, value: str) -> str:
    return salted_hmac(f"{SALT}.{kind}", _normal(kind, value), algorithm="sha256").hexdigest()


def suppress(*, emails: list[str], phones: list[str]) -> int:
    """Add these addresses (normalized) and numbers (E.164); how many are new."""
    if not settings.KONTOR_PRIVACY_SUPPRESSION:
        return 0
    added = 0
    for kind, values in ((SuppressionKind.EMAIL, emails), (SuppressionKind.PHONE, phones)):
        for value in {_normal(kind, value) for value in values if value}:
            _row, created = Suppression.objects.get_or_create(kind=kind, digest=digest(kind, value))
            added += created
    return added


def is_suppressed(*, email: str | None = None, phone: str | None = None) -> bool:
    if not settings.KONTOR_PRIVACY_SUPPRESSION:
        return False
    wanted = []
    if email:
        wanted.append((SuppressionKind.EMAIL, digest(SuppressionKind.EMAIL, email)))
    if phone:
        wanted.append((SuppressionKind.PHONE, digest(SuppressionKind.PHONE, phone)))
    return any(Suppression.objects.filter(kind=k, digest=d).exists() for k, d in wanted)
