"""API tokens kept in Django's shared cache with their users and access.

Without it every API request read its token (with the user), the user's
roles, and for a user below "all" their teams with the members and the
field categories: up to four queries before the request's own work. Now
one request of a token reads them and keeps a copy under the token's hash;
the next ones read the copy and the access stamp in one ``get_many`` (one
query of the database cache, one round trip to Redis) and nothing else
(``read_copy``, as for a logged-in user: kontor.access.shared_access).

A copy is used only while the stamp it was made under is current: every
write of a token, a user, a role, a team or a field category changes the
stamp (kontor.access.freshness), so a revoked token, a deactivated user or
a changed role takes effect with the next request in every server process.
An expiry needs no write: it is checked against the clock on every request
(kontor.accounts.services.api_token_find). The copy holds no password hash:
the user comes back with the password deferred (read if ever asked for).
The key names the layout of the copy (``_shape``), so a release that
changes a token's, a user's or ``Access``'s fields never reads an older
release's copies."""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Model

from kontor.access.freshness import keep_copy, read_copy
from kontor.access.grants import access_for, remember_access
from kontor.access.shared_access import access_shape
from kontor.accounts.models import ApiToken

KEY_PREFIX = "kontor:api-token:"
# Long enough that a token in use is read from the database only after a
# change; a copy of a token nobody uses any more leaves the cache by itself.
COPY_SECONDS = 600
_STAMP_ATTRIBUTE = "_kontor_access_stamp"
_SECRET_FIELDS = frozenset({"password"})


def _names(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in _SECRET_FIELDS]


def _values(instance: Model) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in _names(type(instance)))


def _rebuild(model: type[Model], values: tuple[Any, ...]) -> Any:
    return model.from_db(router.db_for_read(model), _names(model), values)


def _copy(token: ApiToken, access: Any) -> dict[str, Any]:
    return {"token": _values(token), "user": _values(token.user), "access": access}


@functools.cache
def _shape() -> str:
    """What the copies' layout depends on: the fields of a token, of a user
    and of ``Access``. A release that changes any of them reads none of the
    copies an earlier one made (their keys differ), instead of misreading them."""
    names = [*_names(ApiToken), "|", *_names(get_user_model()), "|", access_shape()]
    return hashlib.sha256(" ".join(names).encode()).hexdigest()[:12]


def cache_key(key_hash: str) -> str:
    return f"{KEY_PREFIX}{_shape()}:{key_hash}"


def find(key_hash: str, read: Callable[[], ApiToken | None]) -> ApiToken | None:
    """The token with this hash, its user and their access: the cached copy
    when its stamp is current, else ``read()`` from the database (and a new
    copy kept). None when ``read`` finds nothing."""
    key = cache_key(key_hash)
    stamp, copy = read_copy(key)
    if copy is not None:
        token = _rebuild(ApiToken, copy["token"])
        token.user = _rebuild(get_user_model(), copy["user"])
        access = copy["access"]
    else:
        token = read()
        if token is None:
            return None
        access = access_for(token.user)
        keep_copy(key, stamp, _copy(token, access), COPY_SECONDS)
    remember_access(token.user, access)
    setattr(token, _STAMP_ATTRIBUTE, stamp)
    return token


def note_use(token: ApiToken) -> None:
    """Keep the token's new ``last_used_at`` in its copy too."""
    stamp = getattr(token, _STAMP_ATTRIBUTE, None)
    if stamp is not None:
        keep_copy(
            cache_key(token.key_hash), stamp, _copy(token, access_for(token.user)), COPY_SECONDS
        )
