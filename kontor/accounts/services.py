"""Making, checking and revoking API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from kontor.accounts import token_cache
from kontor.accounts.models import ApiToken
from kontor.core.exceptions import FieldErrors, PermissionDenied

TOKEN_PREFIX = "ktr_"  # noqa: S105 (a marker, not a secret)
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_NAME_LENGTH = 100
MAX_KEY_LENGTH = 200
MAX_ACTIVE_TOKENS = 100


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _may_manage(actor: AbstractBaseUser, owner: AbstractBaseUser) -> bool:
    return actor.is_authenticated and (actor.pk == owner.pk or actor.is_superuser)


def api_token_create(
    *,
    actor: AbstractBaseUser,
    user: AbstractBaseUser,
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Return the stored token and the secret, which is not kept anywhere."""
    if not _may_manage(actor, user):
        raise PermissionDenied("You may only make API tokens for yourself.")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        errors["name"] = [f"must be at most {MAX_NAME_LENGTH} characters"]
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)
        if expires_at <= timezone.now():
            errors["expires_at"] = ["must be in the future"]
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS:
        errors["__all__"] = [f"at most {MAX_ACTIVE_TOKENS} active tokens; revoke one first"]
    if errors:
        raise FieldErrors(errors)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:10], key_hash=_hash(key), expires_at=expires_at
    )
    return token, key


def api_token_revoke(*, actor: AbstractBaseUser, token: ApiToken) -> None:
    """Revoke the token at once; revoking it again changes nothing."""
    if not _may_manage(actor, token.user):
        raise PermissionDenied("You may only revoke your own API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])


def api_token_find(key: str) -> ApiToken | None:
    """The valid (unexpired, unrevoked, of an active user) token with this
    secret, with its user, whose ``Access`` is ready (``access_for`` asks
    nothing more); notes when it was used. From the shared cache when it
    holds a current copy (kontor.accounts.token_cache), else from the database."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    now = timezone.now()
    key_hash = _hash(key)
    token = token_cache.find(
        key_hash,
        lambda: (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .first()
        ),
    )
    # A copy from the cache is checked against the clock here.
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        token_cache.note_use(token)
    return token


def api_token_authenticate(key: str) -> AbstractBaseUser | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    token = api_token_find(key)
    return token.user if token is not None else None
