"""How a record is named to a user who may not read every field.

A contact without a name is displayed by its first email address or phone
number ("dirty CRM"). Who may not read those fields must not learn them
from the name either: they see no name at all."""

from typing import Any

from kontor.access.policy import FieldAccess, fields_for
from kontor.contacts.records import CONTACT


def contact_display_name(fields: FieldAccess, display_name: str, *, named: bool) -> str:
    """``display_name`` of a contact, or "" when it is an email address or a
    phone number the user may not read. ``named``: it has a first or last name."""
    if named or fields.reads_everything or not display_name:
        return display_name
    derived_from = "emails" if "@" in display_name else "phones"
    return display_name if derived_from in fields else ""


def shown_contact_name(user: Any, contact: Any) -> str:
    """The contact's name as ``user`` may see it ("" if hidden)."""
    return contact_display_name(
        fields_for(user, CONTACT.key),
        contact.display_name,
        named=bool(contact.first_name or contact.last_name),
    )
