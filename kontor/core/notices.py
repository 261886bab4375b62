"""A port for telling a user something from a layer that knows no
notifications app (the data protection officer's retention report): the
notifications app registers its ``notify`` here."""

from typing import Any

from django.utils.module_loading import import_string

_NOTIFIERS: list[str] = []


def register_notifier(path: str) -> None:
    """The dotted path of ``(*, recipient, message, link) -> Any``."""
    if path not in _NOTIFIERS:
        _NOTIFIERS.append(path)


def notify(*, recipient: Any, message: str, link: str = "") -> None:
    for path in _NOTIFIERS:
        import_string(path)(recipient=recipient, message=message, link=link)
