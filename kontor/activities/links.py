"""Links of activities and files to one more record than their contact or
organization: a deal, later a ticket. The types that allow it register with
``history_links=True`` (kontor.core.records) and are named in the API by
their ``api_parameter`` (``deal_id``); this module resolves them through the
registry, so the contact history knows none of those domains.

A link never widens who sees an activity (that follows its contact or
organization), and a link to a record the reader may not see is not shown:
``note_visible_links`` decides that for a page of records at once."""

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from django.db.models import Model

from kontor.access.policy import visible_records
from kontor.activities.selectors import User
from kontor.core.records import RecordType, history_link_types, record_type

# On each record: (the link it was decided for, visible or not).
_DECIDED = "_kontor_link_visible"


def link_parameters() -> dict[str, RecordType]:
    """``{"deal_id": <deal type>, …}``: the API's names of the links."""
    return {kind.api_parameter: kind for kind in history_link_types()}


def linked_record(user: User, key: str, record_id: Any) -> Model | None:
    """The record of type ``key`` with this id, if ``user`` may read it."""
    return visible_records(user, key).filter(pk=record_id).first()


def _link(record: Any) -> tuple[str, Any]:
    return (record.linked_type, record.linked_id)


def note_visible_links(user: User | None, records: Iterable[Any]) -> None:
    """Decide for every linked record whether ``user`` may read the record it
    names: one query per linked type."""
    pending = [
        r
        for r in records
        if r is not None
        and getattr(r, "linked_id", None) is not None
        and r.__dict__.get(_DECIDED, (None,))[0] != _link(r)
    ]
    by_type: dict[str, set[Any]] = {}
    for record in pending:
        by_type.setdefault(record.linked_type, set()).add(record.linked_id)
    visible: set[tuple[str, Any]] = set()
    for key, ids in by_type.items():
        try:
            found = visible_records(user, key).filter(pk__in=ids).values_list("pk", flat=True)
        except LookupError:  # a type whose app is gone
            continue
        visible.update((key, pk) for pk in found)
    for record in pending:
        record.__dict__[_DECIDED] = (_link(record), _link(record) in visible)


def shown_links(user: User | None, record: Any) -> dict[str, Any]:
    """``{"deal_id": id or None, …}`` for every link type, as ``user`` may see it."""
    shown = dict.fromkeys(link_parameters(), None)
    if getattr(record, "linked_id", None) is None:
        return shown
    note_visible_links(user, [record])
    if record.__dict__[_DECIDED][1]:
        with suppress(LookupError):  # a type whose app is gone
            shown[record_type(record.linked_type).api_parameter] = record.linked_id
    return shown
