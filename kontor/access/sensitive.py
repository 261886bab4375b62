"""Custom field values by sensitivity: standard and personal values live in
the record's ``custom`` JSON, financial and special ones encrypted (Fernet,
``kontor.core.encryption``) in its ``custom_sensitive`` column, never in
plain text. Every read of an encrypted value a user is shown is recorded in
the audit trail."""

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.db.models import Model

from kontor.access.grants import User
from kontor.access.policy import CUSTOM_PREFIX, fields_for
from kontor.core.encryption import InvalidToken, decrypt, encrypt
from kontor.core.records import SENSITIVE_CATEGORIES

logger = logging.getLogger(__name__)

_CACHE = "_kontor_sensitive_values"


def encrypt_values(values: Mapping[str, Any]) -> str:
    return encrypt(json.dumps(dict(values), sort_keys=True)) if values else ""


def decrypt_values(token: str) -> dict[str, Any]:
    """Raises InvalidToken when no configured key opens ``token``."""
    return json.loads(decrypt(token)) if token else {}


def sensitive_values(record: Model, *, strict: bool = False) -> dict[str, Any]:
    """The record's encrypted custom values. Unreadable ones (a key that is
    no longer configured) are logged and left out, or raise with ``strict``
    (writes must never overwrite what they cannot read)."""
    cached = getattr(record, _CACHE, None)
    if cached is not None:
        return cached
    try:
        values = decrypt_values(getattr(record, "custom_sensitive", "") or "")
    except InvalidToken:
        if strict:
            raise
        logger.error("cannot decrypt the sensitive values of %s %s", record._meta.label, record.pk)
        return {}
    setattr(record, _CACHE, values)
    return values


def all_custom_values(record: Model, *, strict: bool = False) -> dict[str, Any]:
    return {**(record.custom or {}), **sensitive_values(record, strict=strict)}


def store_custom_values(
    record: Model, values: Mapping[str, Any], categories: Mapping[str, str]
) -> None:
    """Put ``values`` (all custom values of the record after a write) into
    ``custom`` and ``custom_sensitive`` by each field's category. A value
    whose definition is gone stays where it was."""
    previously_sensitive = set(sensitive_values(record, strict=True))
    plain, secret = {}, {}
    for key, value in values.items():
        category = categories.get(key)
        sensitive = (
            category in SENSITIVE_CATEGORIES
            if category is not None
            else key in previously_sensitive
        )
        (secret if sensitive else plain)[key] = value
    record.custom = plain
    record.custom_sensitive = encrypt_values(secret)
    setattr(record, _CACHE, secret)


def readable_custom_values(user: User, record: Model, key: str) -> dict[str, Any]:
    """The custom values of ``record`` (of object type ``key``) the user may
    read; reading encrypted ones is recorded in the audit trail."""
    from kontor.audit.services import audit_read

    fields = fields_for(user, key)
    readable = {
        name: value
        for name, value in (record.custom or {}).items()
        if fields.may_read(f"{CUSTOM_PREFIX}{name}")
    }
    secret = sensitive_values(record)
    shown = {
        name: value
        for name, value in secret.items()
        if fields.may_read(f"{CUSTOM_PREFIX}{name}", sensitive_default=True)
    }
    if shown:
        audit_read(actor=user, record=record, fields=[f"{CUSTOM_PREFIX}{n}" for n in shown])
    return {**readable, **shown}
