"""Reads of calls and of who is who on the phone system."""

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower

from kontor.activities.selectors import visible_activities
from kontor.telephony.models import Call, Extension

User = AbstractBaseUser | AnonymousUser

MAX_AGENT_NAMES = 20


def agents_named(identifiers: Iterable[str]) -> list[AbstractBaseUser]:
    """The active colleagues a phone system means by these names, in the
    order named: an extension, a username, an email address or a full name,
    in any case."""
    names: list[str] = []
    for identifier in identifiers:
        name = (identifier or "").strip().lower()
        if name and name not in names and len(name) <= 254:
            names.append(name)
    names = names[:MAX_AGENT_NAMES]
    if not names:
        return []
    extension_owners = dict(
        Extension.objects.annotate(name=Lower("number"))
        .filter(name__in=names)
        .values_list("name", "user_id")
    )
    users = list(
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(
            username_lower=Lower("username"),
            email_lower=Lower("email"),
            full_name=Lower(Concat("first_name", Value(" "), "last_name")),
        )
        .filter(
            Q(username_lower__in=names)
            | Q(email_lower__in=names)
            | Q(full_name__in=names)
            | Q(pk__in=list(extension_owners.values()))
        )
    )
    ordered: list[AbstractBaseUser] = []
    for name in names:
        for user in users:
            known_as = {user.username_lower, user.email_lower, user.full_name}
            if (name in known_as or extension_owners.get(name) == user.pk) and user not in ordered:
                ordered.append(user)
    return ordered


def visible_calls(user: User) -> QuerySet[Call]:
    """A call on a timeline is visible with its activity; an unknown caller's
    call (no record yet) to every colleague, who may make a contact of it."""
    if not user.is_authenticated or not user.is_active:
        return Call.objects.none()
    activities = visible_activities(user).filter(pk=OuterRef("activity_id"))
    return Call.objects.filter(
        Q(contact__isnull=True, organization__isnull=True, activity__isnull=True)
        | (Q(activity__isnull=False) & Exists(activities))
    )


def call_get(*, user: User, call_id: Any) -> Call | None:
    try:
        pk = uuid.UUID(str(call_id))
    except ValueError:
        return None
    return (
        visible_calls(user)
        .select_related("agent", "contact", "organization", "activity")
        .filter(pk=pk)
        .first()
    )


def call_list(*, user: User, unknown_only: bool = False) -> QuerySet[Call]:
    calls = visible_calls(user).select_related("agent", "contact", "organization")
    if unknown_only:
        calls = calls.filter(contact__isnull=True, organization__isnull=True)
    return calls
