"""Reading the input of a service that writes a record about a customer
(a deal, a quote, a ticket): every problem of a write is collected with the
field it concerns before any row is touched, so the caller sees them all at
once (API: 422 naming each field). The domains subclass ``Input`` for their
own kinds of values."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model

from kontor.contacts.selectors import parse_id, visible_contacts, visible_organizations
from kontor.core.exceptions import FieldErrors
from kontor.core.ids import parse_uuid
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable


def unknown_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise FieldErrors({field: ["is not a field of this record"] for field in unknown})


class Input:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.errors: dict[str, list[str]] = {}
        self.values: dict[str, Any] = {}

    def error(self, field: str, reason: str) -> None:
        self.errors.setdefault(field, []).append(reason)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)

    # Plain values ---------------------------------------------------------------

    def text(
        self, field: str, value: Any, *, limit: int, required: bool = False, attribute: str = ""
    ) -> str | None:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(field, "must be text")
            return None
        value = value.strip()
        if required and not value:
            self.error(field, "is required")
            return None
        if len(value) > limit:
            self.error(field, f"must be at most {limit} characters")
            return None
        if not is_storable(value):
            self.error(field, UNSTORABLE_REASON)
            return None
        self.values[attribute or field] = value
        return value

    def choice(self, field: str, value: Any, choices: Iterable[str]) -> str | None:
        choices = list(choices)
        if not isinstance(value, str) or value not in choices:
            self.error(field, f"must be one of: {', '.join(choices)}")
            return None
        self.values[field] = value
        return value

    def boolean(self, field: str, value: Any) -> None:
        if not isinstance(value, bool):
            self.error(field, "must be true or false")
        else:
            self.values[field] = value

    # Related records ---------------------------------------------------------------

    def user(self, field: str, value: Any, attribute: str) -> None:
        """An active user by id (None: nobody)."""
        if value is None:
            self.values[attribute] = None
            return
        pk = parse_id(value)
        user = get_user_model().objects.filter(pk=pk, is_active=True).first() if pk else None
        if user is None:
            self.error(field, "is not an active user")
        else:
            self.values[attribute] = user

    def find(self, field: str, visible: Any, pk: Any) -> Any:
        """The record ``pk`` of ``visible``; a subclass may answer from
        records it read before."""
        return visible.filter(pk=pk).first()

    def record(self, field: str, value: Any, visible: Any, label: str, attribute: str) -> Any:
        """A record of ``visible`` (the actor's selector) by its id."""
        if value is None:
            self.values[attribute] = None
            return None
        pk = parse_uuid(value)
        record = self.find(field, visible, pk) if pk else None
        if record is None:
            self.error(field, f"is not an existing {label}")
            return None
        self.values[attribute] = record
        return record

    def organization(self, value: Any) -> Any:
        return self.record(
            "organization_id",
            value,
            visible_organizations(self.actor),
            "organization",
            "organization",
        )

    def contact(self, value: Any) -> Any:
        return self.record(
            "contact_id",
            value,
            visible_contacts(self.actor).select_related("organization"),
            "contact",
            "contact",
        )

    def current(self, attribute: str, record: Any) -> Any:
        if attribute in self.values:
            return self.values[attribute]
        return getattr(record, attribute) if record is not None else None
