"""Finding the person a request is about, through the record registry
(kontor.core.records): the type whose ``personal_data.find`` is set is the
person's (contacts); this app names no domain."""

import uuid
from typing import Any

from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kontor.core.exceptions import FieldErrors
from kontor.core.records import RecordType, record_types


def person_type() -> RecordType:
    for kind in record_types():
        if kind.personal_data is not None and kind.personal_data.find:
            return kind
    raise LookupError("no registered record type is a person (PersonalData.find)")


def person_get(person_id: Any) -> models.Model | None:
    """The person with this id, whoever owns them."""
    try:
        pk = uuid.UUID(str(person_id))
    except ValueError:
        return None
    return person_type().model_class()._default_manager.filter(pk=pk).first()


def find_person(*, contact_id: Any = None, email: str | None = None, phone: str | None = None):
    """The one person named by id, email address or phone number, and how:
    ``(person, found_by, identifier)``. FieldErrors name the field when none
    or several match."""
    given = {
        field: value
        for field, value in (("contact_id", contact_id), ("email", email), ("phone", phone))
        if value not in (None, "")
    }
    if len(given) != 1:
        raise FieldErrors.single(
            "__all__", _("Name the person by exactly one of contact_id, email or phone.")
        )
    ((field, value),) = given.items()
    if field == "contact_id":
        person = person_get(value)
        if person is None:
            raise FieldErrors.single("contact_id", _("There is no contact with this id."))
        return person, field, ""
    finder = import_string(person_type().personal_data.find)  # type: ignore[union-attr]
    try:
        found = finder(**{field: str(value)})
    except ValueError as exc:
        raise FieldErrors.single(field, str(exc) or _("This cannot be read.")) from exc
    if not found:
        message = (
            _("No contact has this email address.")
            if field == "email"
            else _("No contact has this phone number.")
        )
        raise FieldErrors.single(field, message)
    if len(found) > 1:
        message = (
            _("%(count)s contacts have this email address; name the person by contact_id.")
            if field == "email"
            else _("%(count)s contacts have this phone number; name the person by contact_id.")
        )
        raise FieldErrors.single(field, message % {"count": len(found)})
    return found[0], field, str(value)[:320]
