"""Encryption of secrets Kontor must be able to read back (IMAP passwords,
the shared secrets of phone systems), with Fernet from ``cryptography``.

The key is ``KONTOR_ENCRYPTION_KEY`` (a Fernet key, or any passphrase it is
derived from), else derived from ``SECRET_KEY``. Several comma-separated keys
allow a rotation: the first encrypts, every one decrypts."""

import base64
import hashlib
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = [
    "EncryptedColumn",
    "InvalidToken",
    "configured_keys",
    "decrypt",
    "encrypt",
    "encrypted_columns",
    "forget_keys",
    "register_encrypted_column",
    "rotate",
]


def _derived_key(material: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kontor", info=b"kontor.core.encryption"
    ).derive(material.encode())
    return base64.urlsafe_b64encode(derived)


def _fernet_key(material: str) -> bytes:
    try:
        Fernet(material.encode())
    except ValueError:
        return _derived_key(material)
    return material.encode()


def _fernet_keys() -> list[bytes]:
    configured = [k.strip() for k in settings.KONTOR_ENCRYPTION_KEY.split(",") if k.strip()]
    materials = configured or [settings.SECRET_KEY]
    return [_fernet_key(m) for m in materials]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _fernet_keys()])


def fingerprint(key: bytes) -> str:
    """A name for a key that gives nothing of it away (backups name the keys
    their encrypted values need)."""
    return hashlib.sha256(b"kontor key fingerprint\0" + key).hexdigest()[:16]


def configured_keys() -> list[tuple[str, Fernet]]:
    """The configured keys, first (encrypting) first, with their fingerprints."""
    return [(fingerprint(key), Fernet(key)) for key in _fernet_keys()]


@receiver(setting_changed)
def _forget_key(*, setting: str, **kwargs) -> None:
    if setting in {"KONTOR_ENCRYPTION_KEY", "SECRET_KEY"}:
        _fernet.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Raises InvalidToken if the text was encrypted with another key."""
    return _fernet().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """``token`` encrypted again with the first key (``kontor rotatekey``)."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def forget_keys() -> None:
    """Read KONTOR_ENCRYPTION_KEY again on the next use (after a rotation)."""
    _fernet.cache_clear()


# The columns that hold values encrypted with this module. Apps that store
# encrypted values call ``register_encrypted_column`` in their
# ``AppConfig.ready``; key rotation (``kontor rotatekey``) and backups
# (which name the keys a backup needs) go through all of them.


@dataclass(frozen=True)
class EncryptedColumn:
    model: str  # "app_label.ModelName"
    field: str


_COLUMNS: list[EncryptedColumn] = []


def register_encrypted_column(model: str, field: str) -> None:
    column = EncryptedColumn(model, field)
    if column not in _COLUMNS:
        _COLUMNS.append(column)


def encrypted_columns() -> list[EncryptedColumn]:
    """The registered columns of installed models."""
    present = []
    for column in _COLUMNS:
        try:
            model = apps.get_model(column.model)
            model._meta.get_field(column.field)
        except (LookupError, FieldDoesNotExist):
            continue
        present.append(column)
    return present
