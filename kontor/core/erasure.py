"""The ports of GDPR erasure (Art. 17) that every domain takes part in
without knowing the data protection app.

``Erasure`` is one run for one person: the handlers registered on the
record types and holders (``PersonalData.erase``) and the stores registered
here (``register_erasure_store``) remove what they hold about the person,
say how many items went (``removed``), which records they removed or
stripped (``touched``: the audit trail, the outbox and the warehouse forget
those too) and which they must keep by law (``keep``).

The suppression list is a port too: after an erasure the person's email
addresses and phone numbers are kept only as keyed hashes, and a domain that
would make a new contact from an address (the mail capture) asks
``is_suppressed`` first; the data protection app answers it
(``register_suppression_check``)."""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.module_loading import import_string

ERASED_TEXT = "[erased]"


@dataclass
class Identifiers:
    """How the person can be recognized in free text and logs: their names,
    email addresses (as typed and normalized) and phone numbers (E.164,
    national and digits-only forms)."""

    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        values = {value for value in (*self.names, *self.emails, *self.phones) if value}
        # The longest first, so that scrubbing "Anna Schmidt" precedes "Anna".
        return sorted(values, key=lambda value: (-len(value), value))

    def scrub(self, text: str) -> str:
        """``text`` with every identifier replaced by ``[erased]``."""
        for value in self.all():
            text = re.sub(re.escape(value), ERASED_TEXT, text, flags=re.IGNORECASE)
        return text


@dataclass
class Erasure:
    """One erasure of one person, passed to every handler and store."""

    actor: Any
    person: models.Model
    identifiers: Identifiers
    stores: dict[str, int] = field(default_factory=dict)
    kept: list[dict[str, Any]] = field(default_factory=list)
    # Model label → primary keys (as strings) of the records removed or stripped.
    records: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def removed(self, store: str, count: int) -> None:
        self.stores[store] = self.stores.get(store, 0) + count

    def touched(self, model: type[models.Model] | str, ids: Iterable[Any]) -> None:
        label = model if isinstance(model, str) else model._meta.label
        self.records[label].update(str(pk) for pk in ids)

    def keep(
        self,
        *,
        what: str,
        legal_ground: str,
        until: datetime.date,
        record_type: str = "",
        record_id: Any = None,
    ) -> None:
        """A record the law makes Kontor keep until ``until``; named by its
        type's key and id, the daily retention run erases it when that day
        has passed."""
        item = {"what": what, "legal_ground": legal_ground, "until": until.isoformat()}
        if record_type and record_id is not None:
            item |= {"type": record_type, "id": str(record_id)}
        self.kept.append(item)

    def record_ids(self) -> set[str]:
        """Every touched record's id, with and without hyphens (a UUID is
        stored as 32 hex digits on SQLite)."""
        ids = set()
        for values in self.records.values():
            for value in values:
                ids.add(value)
                ids.add(value.replace("-", ""))
        return ids


@dataclass(frozen=True)
class ErasureStore:
    """A store that is no record type (webhook deliveries, notifications):
    ``erase`` is the dotted path of ``(erasure) -> None``, run after the
    record types' handlers, in ``order``."""

    name: str
    erase: str
    order: int = 50


_STORES: dict[str, ErasureStore] = {}
_SUPPRESSION_CHECKS: list[str] = []


def register_erasure_store(store: ErasureStore) -> None:
    _STORES[store.name] = store


def erasure_stores() -> list[ErasureStore]:
    return sorted(_STORES.values(), key=lambda store: (store.order, store.name))


def register_suppression_check(path: str) -> None:
    """The dotted path of ``(email=None, phone=None) -> bool``."""
    if path not in _SUPPRESSION_CHECKS:
        _SUPPRESSION_CHECKS.append(path)


def is_suppressed(*, email: str | None = None, phone: str | None = None) -> bool:
    """Whether an erased person had this email address or phone number (E.164)
    and no new record may be made of it."""
    return any(import_string(path)(email=email, phone=phone) for path in _SUPPRESSION_CHECKS)
