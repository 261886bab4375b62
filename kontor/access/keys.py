"""The encryption key's rotation: ``kontor rotatekey`` re-encrypts every
column registered in ``kontor.core.encryption`` under the newest key
(``MultiFernet.rotate``)."""

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction

from kontor.core import encryption
from kontor.core.encryption import encrypted_columns

BATCH_SIZE = 500


def new_key() -> str:
    """A fresh Fernet key (32 random bytes, URL-safe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically, readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(",".join(keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def use_keys(keys: list[str]) -> None:
    """Make this process encrypt with ``keys[0]`` and decrypt with all of them."""
    settings.KONTOR_ENCRYPTION_KEY = ",".join(keys)
    encryption.forget_keys()


def reencrypt_all(progress: Callable[[str, int], None] | None = None) -> int:
    """Encrypt every registered value again with the current first key, in
    batches of one transaction each. Returns the number of values."""
    total = 0
    for column in encrypted_columns():
        model = apps.get_model(column.model)
        rows = model._default_manager.exclude(**{column.field: ""}).order_by("pk")
        last_pk = None
        count = 0
        while True:
            batch = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            chunk = list(batch.values_list("pk", column.field)[:BATCH_SIZE])
            if not chunk:
                break
            with transaction.atomic():
                for pk, token in chunk:
                    model._default_manager.filter(pk=pk, **{column.field: token}).update(
                        **{column.field: encryption.rotate(token)}
                    )
            count += len(chunk)
            last_pk = chunk[-1][0]
        if progress is not None:
            progress(f"{column.model}.{column.field}", count)
        total += count
    return total
