"""The 360° view: everything about a contact or an organization on one page
(and in one API response), in a number of queries that does not grow with
the size of the history."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, prefetch_related_objects

from kontor.access.policy import fields_for
from kontor.activities import selectors
from kontor.activities.models import Activity, Kind, TaskStatus
from kontor.activities.sections import overview_sections
from kontor.activities.selectors import User
from kontor.contacts.models import Contact, Organization
from kontor.contacts.selectors import organization_contacts
from kontor.contacts.visibility import shown_organization
from kontor.files.models import Attachment
from kontor.files.selectors import contact_attachments, organization_attachments

RECENT_ACTIVITIES = 10
OPEN_TASKS = 20
FILES = 10
COLLEAGUES = 25


@dataclass
class Overview:
    record: Contact | Organization
    organization: Organization | None
    colleagues: list[Contact]
    open_tasks: list[Activity]
    last_interaction: Activity | None
    next_interaction: Activity | None
    counts: dict[str, int]
    recent_activities: list[Activity]
    files: list[Attachment]
    missing_fields: list[str]
    # What other domains show here (kontor.activities.sections), by key.
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def is_contact(self) -> bool:
        return isinstance(self.record, Contact)


def contact_missing_fields(contact: Contact, *, organization_shown: bool) -> list[str]:
    """Important fields that are still empty (a record may start from a single
    email address or phone number and be completed later). An organization
    the user may not read counts as none, as everywhere else."""
    missing = []
    if not contact.first_name and not contact.last_name:
        missing.append("name")
    if not contact.email_list:
        missing.append("email")
    if not contact.phone_list:
        missing.append("phone")
    if not organization_shown:
        missing.append("organization")
    if contact.owner_id is None:
        missing.append("owner")
    return missing


def organization_missing_fields(organization: Organization, has_contacts: bool) -> list[str]:
    missing = []
    if not organization.website:
        missing.append("website")
    if not organization.email_list:
        missing.append("email")
    if not organization.phone_list:
        missing.append("phone")
    if organization.owner_id is None:
        missing.append("owner")
    if not has_contacts:
        missing.append("contacts")
    return missing


def _history(activities: QuerySet[Activity]) -> dict[str, Any]:
    """The parts of the view that come from the history: the last and the
    next interaction mostly from the rows read for the other parts."""
    plain = activities.select_related("author", "assignee", "contact", "organization")
    tasks = plain.filter(kind=Kind.TASK, status=TaskStatus.OPEN).order_by(*selectors.TASK_ORDER)
    open_tasks = selectors.Head(list(tasks[:OPEN_TASKS]), OPEN_TASKS)
    newest = plain.order_by(*selectors.TIMELINE_ORDER)
    recent = selectors.Head(list(newest[:RECENT_ACTIVITIES]), RECENT_ACTIVITIES)
    parts = {
        "open_tasks": open_tasks.rows,
        "last_interaction": selectors.last_interaction(plain, newest=recent),
        "next_interaction": selectors.next_interaction(plain, newest=recent, open_tasks=open_tasks),
        "counts": selectors.counts_by_kind(activities),
        "recent_activities": recent.rows,
    }
    shown = [*open_tasks.rows, *recent.rows, parts["last_interaction"], parts["next_interaction"]]
    # Each row once (the last interaction is often one of the recent rows).
    once = {id(activity): activity for activity in shown if activity is not None}
    prefetch_related_objects(list(once.values()), *selectors.related_prefetches())
    return parts


def _readable_missing(user: User, object_type: str, missing: list[str]) -> list[str]:
    """Only the empty fields the user may read: an absent field is not reported
    as empty either (kontor.access)."""
    fields = fields_for(user, object_type)
    field_of = {"email": "emails", "phone": "phones"}
    return [name for name in missing if field_of.get(name, name) in fields or name not in field_of]


def contact_overview(*, user: User, contact: Contact) -> Overview:
    """``contact`` as read by ``contact_get`` for ``user`` (with its contact
    points): its visibility is not asked again."""
    colleagues: list[Contact] = []
    # Decided like the contact's own organization field, from the row read
    # with the contact; its addresses, numbers and tags only when shown.
    organization = shown_organization(user, contact)
    if organization is not None:
        colleagues = list(
            organization_contacts(user=user, organization=organization).exclude(pk=contact.pk)[
                :COLLEAGUES
            ]
        )
    activities = selectors.contact_history(user=user, contact=contact)
    return Overview(
        sections={s.key: s.for_contact(user, contact) for s in overview_sections()},
        record=contact,
        organization=organization,
        colleagues=colleagues,
        files=list(contact_attachments(user=user, contact=contact)[:FILES]),
        missing_fields=_readable_missing(
            user,
            "contact",
            contact_missing_fields(contact, organization_shown=organization is not None),
        ),
        **_history(activities),
    )


def organization_overview(*, user: User, organization: Organization) -> Overview:
    """``organization`` as read by ``organization_get``."""
    member_ids = selectors.organization_member_ids(user=user, organization=organization)
    colleagues = list(organization_contacts(user=user, organization=organization)[:COLLEAGUES])
    activities = selectors.organization_activities(
        user=user, organization=organization, member_ids=member_ids
    )
    return Overview(
        sections={
            s.key: s.for_organization(user, organization, member_ids) for s in overview_sections()
        },
        record=organization,
        organization=None,
        colleagues=colleagues,
        files=list(
            organization_attachments(user=user, organization=organization, member_ids=member_ids)[
                :FILES
            ]
        ),
        missing_fields=_readable_missing(
            user,
            "organization",
            organization_missing_fields(organization, has_contacts=bool(member_ids)),
        ),
        **_history(activities),
    )
