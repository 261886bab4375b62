"""Which organization a user is shown on a record that points to one.

A contact (or an activity) the user may read can belong to an organization
they may not read, e.g. one owned by another team. That organization is
absent everywhere the record is shown (API answers, pages, lookups, screen
pops): no id, no name, no link. ``shown_organization`` is the one place
that decides it; ``note_visible_organizations`` decides it for a whole
page of records in one query, so that lists do not ask once per row.

A record that names a customer (a deal, a quote, a ticket: ``contact`` and
``organization``) shows each only when the user may read it:
``shown_organization_id``, ``shown_contact_id`` / ``shown_contact`` and
``shown_customer``; ``note_visible_customers`` decides it for a page."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from kontor.access.policy import readable
from kontor.contacts.models import Organization
from kontor.contacts.selectors import visible_contacts, visible_organizations

User = AbstractBaseUser | AnonymousUser

# On each record: (the organization id it was decided for, visible or not).
_DECIDED = "_kontor_organization_visible"
_CONTACT_DECIDED = "_kontor_contact_visible"


def _decided(record: Any) -> bool:
    decision = record.__dict__.get(_DECIDED)
    return decision is not None and decision[0] == record.organization_id


def note_visible_organizations(user: User | None, records: Iterable[Any]) -> None:
    """Decide for every record with an organization whether ``user`` may see
    that organization: one query at most, none for a user who may read them
    all. Organizations loaded with their records (``select_related``) are
    checked by their owners in memory (``readable``), with one look at the
    shares for those no level reaches; otherwise the query asks the whole
    visibility condition for their ids. Records without an
    ``organization_id`` (organizations, say) are skipped."""
    pending = [
        record
        for record in records
        if record is not None
        and getattr(record, "organization_id", None) is not None
        and not _decided(record)
    ]
    if not pending:
        return
    if all(type(r)._meta.get_field("organization").is_cached(r) for r in pending):
        loaded = {record.organization_id: record.organization for record in pending}
        visible = {organization.pk for organization in readable(user, loaded.values())}
    else:
        wanted = {record.organization_id for record in pending}
        organizations = visible_organizations(user)
        if organizations.query.where:
            visible = set(organizations.filter(pk__in=wanted).values_list("pk", flat=True))
        else:  # the user reads every organization
            visible = wanted
    for record in pending:
        record.__dict__[_DECIDED] = (record.organization_id, record.organization_id in visible)


def shown_organization(user: User | None, record: Any) -> Organization | None:
    """The organization of ``record`` (a contact, an activity) as ``user``
    may see it: None when it has none or the user may not read it."""
    if record is None or getattr(record, "organization_id", None) is None:
        return None
    note_visible_organizations(user, [record])
    return record.organization if record.__dict__[_DECIDED][1] else None


def note_visible_customers(user: Any, records: Iterable[Any]) -> None:
    """Decide for a page of records that name a contact and an organization
    at once: one query for their organizations, one for their contacts
    (none for a user who reads all)."""
    records = [r for r in records if r is not None]
    note_visible_organizations(user, records)
    pending = [
        r
        for r in records
        if r.contact_id is not None and r.__dict__.get(_CONTACT_DECIDED, (None,))[0] != r.contact_id
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
        record.__dict__[_CONTACT_DECIDED] = (record.contact_id, record.contact_id in visible)


def shown_organization_id(user: Any, record: Any) -> Any:
    organization = shown_organization(user, record)
    return organization.pk if organization else None


def shown_contact(user: Any, record: Any) -> Any:
    if record.contact_id is None:
        return None
    note_visible_customers(user, [record])
    return record.contact if record.__dict__[_CONTACT_DECIDED][1] else None


def shown_contact_id(user: Any, record: Any) -> Any:
    if record.contact_id is None:
        return None
    note_visible_customers(user, [record])
    return record.contact_id if record.__dict__[_CONTACT_DECIDED][1] else None


def shown_customer(user: Any, record: Any) -> Any:
    """The organization or else the contact the user may see, or None."""
    if shown_organization_id(user, record) is not None:
        return record.organization
    return shown_contact(user, record)
