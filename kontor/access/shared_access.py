"""A logged-in user's ``Access`` from the shared cache.

Without it every page of the web interface read the user's roles, and for a
user below "all" their teams with the members and the field categories:
up to three queries before the page's own work. Now one request reads them
and keeps a copy under the user's id; the next ones, in every server
process, read the copy and the access stamp in one ``get_many`` and nothing
else, until a write changes the stamp (kontor.access.freshness) and the next
request reads the rows again. An API token's request gets its user's
``Access`` the same way, inside the token's copy (kontor.accounts.token_cache).

The key names the layout of ``Access`` (``access_shape``), so a release that
changes its fields never reads an older release's copies."""

import dataclasses
import functools
import hashlib

from kontor.access.freshness import keep_copy, read_copy
from kontor.access.grants import (
    Access,
    User,
    access_for,
    may_have_access,
    read_access,
    remember_access,
)

KEY_PREFIX = "kontor:access:"
# Long enough that a user at work is read from the database only after a
# change; the copy of a user who left for the day leaves the cache by itself.
COPY_SECONDS = 600


@functools.cache
def access_shape() -> str:
    """What a copy of ``Access`` depends on: the names of its fields."""
    names = " ".join(f.name for f in dataclasses.fields(Access))
    return hashlib.sha256(names.encode()).hexdigest()[:12]


def cache_key(user_id: int) -> str:
    return f"{KEY_PREFIX}{access_shape()}:{user_id}"


def load_shared_access(user: User | None) -> Access:
    """The user's ``Access``: the copy in the shared cache while its stamp is
    current, else read from the database (and a copy kept); ``access_for``
    answers it for the rest of the request either way."""
    if not may_have_access(user):
        return access_for(user)
    key = cache_key(user.pk)  # type: ignore[union-attr]
    stamp, access = read_copy(key)
    if access is None:
        access = read_access(user)  # type: ignore[arg-type]
        keep_copy(key, stamp, access, COPY_SECONDS)
    remember_access(user, access)
    return access
