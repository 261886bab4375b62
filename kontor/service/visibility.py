"""Which customer a user is shown on a ticket: a ticket the user may read
(in their team's queue) can name a contact or an organization they may not.
Its id is then left out, as for contacts' organizations
(kontor.contacts.visibility)."""

from collections.abc import Iterable
from typing import Any

from kontor.contacts.selectors import visible_contacts
from kontor.contacts.visibility import note_visible_organizations, shown_organization

_DECIDED = "_kontor_ticket_contact_visible"


def note_visible_customers(user: Any, records: Iterable[Any]) -> None:
    """Decide for a page of tickets at once: one query for their
    organizations, one for their contacts (none for a user who reads all)."""
    records = [r for r in records if r is not None]
    note_visible_organizations(user, records)
    pending = [
        r
        for r in records
        if r.contact_id is not None and r.__dict__.get(_DECIDED, (None,))[0] != r.contact_id
    ]
    if not pending:
        return
    wanted = {r.contact_id for r in pending}
    contacts = visible_contacts(user)
    if contacts.query.where:
        visible = set(contacts.filter(pk__in=wanted).values_list("pk", flat=True))
    else:
        visible = wanted
    for record in pending:
        record.__dict__[_DECIDED] = (record.contact_id, record.contact_id in visible)


def shown_organization_id(user: Any, record: Any) -> Any:
    organization = shown_organization(user, record)
    return organization.pk if organization else None


def shown_contact(user: Any, record: Any) -> Any:
    if record.contact_id is None:
        return None
    note_visible_customers(user, [record])
    return record.contact if record.__dict__[_DECIDED][1] else None


def shown_contact_id(user: Any, record: Any) -> Any:
    contact = shown_contact(user, record)
    return contact.pk if contact else None
