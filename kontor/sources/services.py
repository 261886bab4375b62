"""Field ownership: which fields of a record an outside source maintains,
and the check every write path asks before it changes a record.

The domain services (floor 2) call ``refuse_maintained_fields`` with the
fields a write would set; inside ``acting_as_source(source)`` (the sync,
the ERP sync) that source's own fields may change. The mapping of
external ids is written here too, by the sync."""

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from kontor.core.exceptions import FieldErrors
from kontor.sources.models import ExternalRecord

_ACTING_FOR: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kontor_acting_for_source", default=None
)


@contextlib.contextmanager
def acting_as_source(source: str) -> Iterator[None]:
    """Writes inside change the fields ``source`` maintains."""
    token = _ACTING_FOR.set(source)
    try:
        yield
    finally:
        _ACTING_FOR.reset(token)


def acting_source() -> str | None:
    """The source the writes in progress act for (``acting_as_source``), if any."""
    return _ACTING_FOR.get()


def source_label(source: str) -> str:
    """How the UI names a source: "sap" → "SAP", "lexware" → "Lexware"."""
    return source.upper() if len(source) <= 4 else source.capitalize()


def maintained_fields(record_type: str, record_id: Any) -> dict[str, str]:
    """``{field: source}`` for the fields outside sources maintain on this record."""
    rows = ExternalRecord.objects.filter(record_type=record_type, record_id=str(record_id))
    owned: dict[str, str] = {}
    for source, fields in rows.values_list("source", "fields"):
        for field in fields:
            owned.setdefault(field, source)
    return owned


def refuse_maintained_fields(record_type: str, record_id: Any, fields: Iterable[str]) -> None:
    """Refuse (422, naming each field and its source) a write of fields an
    outside source maintains, unless it comes from that source."""
    fields = set(fields)
    if not fields:
        return
    owned = maintained_fields(record_type, record_id)
    acting = _ACTING_FOR.get()
    errors = {
        field: [
            _("is maintained in %(source)s; change it there") % {"source": source_label(source)}
        ]
        for field, source in sorted(owned.items())
        if field in fields and source != acting
    }
    if errors:
        raise FieldErrors(errors)
