"""What the register of processing activities (GDPR Art. 30)
learns from the domains without knowing them: each app that defines
purposes of processing or passes personal data on to others registers a
reader here.

- ``register_purpose_reader(path)``: ``() -> [{"key", "name", "description",
  "legal_bases"}]``, the purposes of processing as configured.
- ``register_recipient_source(path)``: ``() -> [{"kind", "name",
  "description"}]``, who receives personal data from Kontor (webhooks,
  integrations, phone systems, mail servers), read from their configuration."""

from typing import Any

from django.utils.module_loading import import_string

_PURPOSE_READERS: list[str] = []
_RECIPIENT_SOURCES: list[str] = []


def register_purpose_reader(path: str) -> None:
    if path not in _PURPOSE_READERS:
        _PURPOSE_READERS.append(path)


def register_recipient_source(path: str) -> None:
    if path not in _RECIPIENT_SOURCES:
        _RECIPIENT_SOURCES.append(path)


def purposes() -> list[dict[str, Any]]:
    return [item for path in _PURPOSE_READERS for item in import_string(path)()]


def recipients() -> list[dict[str, Any]]:
    return [item for path in _RECIPIENT_SOURCES for item in import_string(path)()]
