"""The names of the events Kontor emits, so that webhook subscriptions (and
later workflow triggers) are checked against a known list.

A record type's changes come from the registry (``RecordType.events``:
``contact.created`` …); events that are no change of a record of its own
(a call started, an email received) are declared by their app with
``register_event_type`` in its ``AppConfig.ready()``."""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string

from kontor.core.records import record_types


@dataclass(frozen=True)
class EventType:
    """``name`` (``call.started``); ``model`` the label of the model whose
    row the event is about; ``serialize`` the dotted path of ``(row, user)
    -> dict | None``: the row as ``user`` may see it (None: not at all)."""

    name: str
    model: str
    serialize: str
    description: Promise | str = ""
    record_type: str = ""


_DECLARED: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    _DECLARED[event_type.name] = event_type


def event_types() -> dict[str, EventType]:
    """Every known event by name: those of the registered record types, then
    the declared ones."""
    known: dict[str, EventType] = {}
    for kind in record_types():
        for name in kind.event_names():
            known[name] = EventType(
                name=name, model=kind.model, serialize=kind.serialize, record_type=kind.key
            )
    known.update(_DECLARED)
    return known


def event_type(name: str) -> EventType:
    try:
        return event_types()[name]
    except KeyError:
        raise LookupError(f"{name!r} is no known event") from None


def render(name: str, row: Any, user: Any) -> dict[str, Any] | None:
    """The event's ``data`` for ``user``: the row as they may see it."""
    return import_string(event_type(name).serialize)(row, user)
