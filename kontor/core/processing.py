"""What the register of processing activities (GDPR Art. 30)
learns from the domains without knowing them: each app that defines
purposes of processing or passes personal data on to others registers a
reader here.

- ``register_purpose_reader(path)``: ``() -> [{"key", "name", "description",
  "legal_bases"}]``, the purposes of processing as configured.
- ``register_recipient_source(path)``: ``() -> [{"kind", "name",
  "description"}]``, who receives personal data from Kontor (webhooks,
  integrations, phone systems, mail servers), read from their configuration.
- ``register_objection_handler(path)``: ``(*, actor, person, purposes,
  source) -> [purpose keys]``, records the person's objection (GDPR
  Art. 21) to the purposes (their keys; None: every purpose), so that no
  processing for them has a basis any more; the data protection layer
  calls it when it executes an objection request."""

from typing import Any

from django.utils.module_loading import import_string

_PURPOSE_READERS: list[str] = []
_RECIPIENT_SOURCES: list[str] = []
_OBJECTION_HANDLERS: list[str] = []


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


def register_objection_handler(path: str) -> None:
    if path not in _OBJECTION_HANDLERS:
        _OBJECTION_HANDLERS.append(path)


def record_objection(
    *, actor: Any, person: Any, purposes: list[str] | None, source: str
) -> list[str]:
    """The person objects to ``purposes`` (None: every purpose); the keys
    of the purposes objected to, by every registered handler."""
    return [
        key
        for path in _OBJECTION_HANDLERS
        for key in import_string(path)(actor=actor, person=person, purposes=purposes, source=source)
    ]
