"""Whether what the shared cache keeps about a user's access is still current.

A request finds the user's ``Access`` (roles, teams with their members,
field categories) in Django's cache, which every server process shares: a
logged-in user's under their id (kontor.access.shared_access), an API
token's together with the token and its user under the token's hash
(kontor.accounts.token_cache). Each such copy carries the **access stamp**
current when it was read from the database; the stamp is a random value in
the same cache, and a copy whose stamp is not the current one is never used.
``read_copy`` asks for the stamp and a copy in one ``get_many`` (one query of
the database cache, one round trip to Redis); ``keep_copy`` stores a copy
under the stamp read before the database was.

Every write that changes what a copy holds — a role, a team or a membership,
a share, a field's category, a user (deactivated, made superuser, renamed,
deleted), an API token (revoked, expiring) — calls ``access_changed``, which
gives the stamp a new value at once (inside the writing transaction: with the
database cache the new stamp commits with the change) and again after the
commit. The second stamp covers a request that read the old rows between the
first stamp and the commit: what it cached carries a stamp that is already
gone. So the next request after a change reads the rows again, in every
server process.

The writes reach ``access_changed`` through the models' signals
(``connect_signals``), whatever path they take (services, the admin, the
shell); a bulk ``QuerySet.update`` of these tables sends no signal and must
call ``access_changed`` itself (``changes_access`` says which tables: a
merge re-points shares that way). Lists and searches still read the shares
in the query of the request's own work; the copy answers whether one record
in hand is shared (``kontor.access.policy.can`` and ``readable``)."""

import uuid
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

STAMP_KEY = "kontor:access-stamp"
# What a user row may change without changing any copy: the login time.
_IRRELEVANT_USER_FIELDS = frozenset({"last_login"})


def _new_stamp() -> str:
    return uuid.uuid4().hex


def current_stamp(cached: dict[str, Any]) -> str:
    """The stamp, from the values of a ``cache.get_many`` that asked for
    ``STAMP_KEY``; a stamp the cache lost (evicted, culled, a new cache) is
    made anew, so no copy made before matches it."""
    stamp = cached.get(STAMP_KEY)
    if stamp is None:
        cache.add(STAMP_KEY, _new_stamp(), timeout=None)
        stamp = cache.get(STAMP_KEY)
    return stamp


def read_copy(key: str) -> tuple[str, Any]:
    """The current stamp and the value kept under ``key`` if it was made
    under that stamp (else None), in one read of the cache."""
    cached = cache.get_many([STAMP_KEY, key])
    # The stamp is read before the database: a change committed after that
    # read changes the stamp again, so a copy made from older rows is dead.
    stamp = current_stamp(cached)
    copy = cached.get(key)
    if copy is None or copy["stamp"] != stamp:
        return stamp, None
    return stamp, copy["value"]


def keep_copy(key: str, stamp: str, value: Any, seconds: int) -> None:
    """Keep ``value`` under ``key``, good while ``stamp`` (read by ``read_copy``
    before the rows it was made from) is the current one."""
    cache.set(key, {"stamp": stamp, "value": value}, seconds)


def _restamp() -> None:
    cache.set(STAMP_KEY, _new_stamp(), timeout=None)


# The tables whose rows a copy holds, beside the users and the memberships.
_COPIED = (
    "access.Role",
    "access.Team",
    "access.Share",
    "access.FieldCategory",
    "customfields.CustomFieldDefinition",
    "accounts.ApiToken",
)


def changes_access(model: type[Model]) -> bool:
    """Whether a write of ``model``'s rows changes what a copy of access
    holds: a bulk write of them must call ``access_changed``."""
    return model._meta.label in _COPIED


def access_changed() -> None:
    """Make every cached copy of access and tokens stale: now, and again when
    the current transaction commits."""
    _restamp()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_restamp)


def _on_write(sender: Any, **kwargs: Any) -> None:
    access_changed()


def _on_user_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= _IRRELEVANT_USER_FIELDS:
        return
    access_changed()


def _on_membership_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        access_changed()


def connect_signals() -> None:
    """Every write of what a cached copy holds changes the stamp."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    post_save.connect(_on_user_saved, sender=user_model, dispatch_uid="kontor-access-user")
    post_delete.connect(_on_write, sender=user_model, dispatch_uid="kontor-access-user-gone")
    for label in _COPIED:
        model = apps.get_model(label)
        post_save.connect(_on_write, sender=model, dispatch_uid=f"kontor-access-{label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"kontor-access-{label}-gone")
    for through in (
        apps.get_model("access.Team").members.through,
        apps.get_model("access.Role").users.through,
    ):
        m2m_changed.connect(
            _on_membership_changed, sender=through, dispatch_uid=f"kontor-access-{through}"
        )
