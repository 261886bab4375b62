"""Reads of attached files: a file is visible when the record it is attached
to is visible."""

import uuid
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from kontor.access.policy import restrict
from kontor.activities.models import Activity
from kontor.activities.selectors import (
    contact_history,
    linked_record_visible,
    organization_activities,
    organization_member_ids,
    visible_activities,
)
from kontor.contacts import selectors as contact_selectors
from kontor.contacts.models import Contact, Organization
from kontor.files.models import Attachment

User = AbstractBaseUser | AnonymousUser

ORDER = ("-created_at", "-id")


def visible_attachments(user: User) -> QuerySet[Attachment]:
    """A file is visible when the activity, contact or organization it is
    attached to is visible."""
    parts = []
    for field, visible in (
        ("activity", visible_activities(user)),
        ("contact", contact_selectors.visible_contacts(user)),
        ("organization", contact_selectors.visible_organizations(user)),
    ):
        if visible.query.is_empty():
            continue
        attached = Q(**{f"{field}__isnull": False})
        linked = linked_record_visible(field, visible)
        parts.append(attached if linked is None else attached & linked)
    if not parts:
        return Attachment.objects.none()
    return restrict(Attachment.objects.filter(reduce(or_, parts)), user, "file")


def attachment_get(*, user: User, attachment_id: Any) -> Attachment | None:
    try:
        pk = uuid.UUID(str(attachment_id))
    except ValueError:
        return None
    return visible_attachments(user).filter(pk=pk).first()


def activity_attachments(*, user: User, activity: Activity) -> QuerySet[Attachment]:
    return visible_attachments(user).filter(activity=activity).order_by(*ORDER)


def contact_attachments(*, user: User, contact: Contact) -> QuerySet[Attachment]:
    """Files of the contact itself and of its activities, for a contact read
    as ``user`` (``contact_get``): a file attached to it is visible with it,
    a file of one of its activities with that activity. Only the files' own
    rules are asked, not the visibility of every record a file may hang on
    (``visible_attachments``: three times the work of building the query)."""
    activities = contact_history(user=user, contact=contact)
    files = Attachment.objects.filter(Q(contact=contact) | Q(activity__in=activities))
    return restrict(files, user, "file").order_by(*ORDER)


def organization_attachments(
    *, user: User, organization: Organization, member_ids: Iterable[uuid.UUID] | None = None
) -> QuerySet[Attachment]:
    """Files of the organization, of the people who work there, and of the
    activities on its timeline, for an organization read as ``user``
    (``organization_get``; ``member_ids``: the people the user sees there)."""
    if member_ids is None:
        member_ids = organization_member_ids(user=user, organization=organization)
    member_ids = list(member_ids)
    activities = organization_activities(
        user=user, organization=organization, member_ids=member_ids
    )
    files = Attachment.objects.filter(
        Q(organization=organization) | Q(contact_id__in=member_ids) | Q(activity__in=activities)
    )
    return restrict(files, user, "file").order_by(*ORDER)
