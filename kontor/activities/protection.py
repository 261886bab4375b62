"""What the activity services do around each write: check the access policy
(kontor.access) and record the write in the audit trail (kontor.audit).

An activity belongs to its contact and organization (and to its author):
creating one needs the right to create activities on those records."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext as _

from kontor.access.policy import may_use_level, require, require_create
from kontor.access.rights import Action
from kontor.activities.models import Activity
from kontor.audit.services import audit_record, changes_between
from kontor.core.exceptions import PermissionDenied

User = AbstractBaseUser | AnonymousUser

# Columns whose values the audit trail keeps (the raw HTML of an email is
# as received and stays out; its text is in ``body``).
_NOT_AUDITED = {"id", "created_at", "updated_at", "version", "body_html"}


def check_may_create(actor: User) -> None:
    if not may_use_level(actor, "activity", Action.CREATE):
        raise PermissionDenied(_("You may not log activities."))


def check_parents(actor: User, contact: Any, organization: Any) -> None:
    """The records an activity is logged on must be within the actor's reach."""
    parents = [record for record in (contact, organization) if record is not None]
    require_create(actor, "activity", owner_ids=[p.owner_id for p in parents], parents=parents)


def check_edit(actor: User, activity: Activity) -> None:
    require(actor, Action.EDIT, activity)


def check_moved(actor: User, activity: Activity, values: dict[str, Any]) -> None:
    """An activity moved to other records needs the right to log on those."""
    contact = values.get("contact", activity.contact)
    organization = values.get("organization", activity.organization)
    if (getattr(contact, "pk", None), getattr(organization, "pk", None)) != (
        activity.contact_id,
        activity.organization_id,
    ):
        check_parents(actor, contact, organization)


def check_delete(actor: User, activity: Activity) -> None:
    require(actor, Action.DELETE, activity)


def snapshot(activity: Activity, participants: list | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in activity._meta.concrete_fields:
        if field.name in _NOT_AUDITED:
            continue
        value = getattr(activity, field.attname)
        if value not in (None, "", [], {}):
            values[field.name] = value
    people = participants if participants is not None else list(activity.participants.all())
    if people:
        values["participants"] = sorted(
            f"contact:{p.contact_id}" if p.contact_id else f"user:{p.user_id}" for p in people
        )
    return values


def audit_write(
    actor: User, action: str, activity: Activity, before: dict[str, Any], after: dict[str, Any]
) -> None:
    changes = changes_between(before, after)
    if action == "update" and not changes:
        return
    audit_record(
        actor=actor,
        action=action,
        record=activity,
        changes=changes,
        parent=activity.contact or activity.organization,
    )
