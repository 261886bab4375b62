"""Reads of the contact history. Everything starts from ``visible_activities``,
which derives from the access rules of contacts and organizations."""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from kontor.access.policy import (
    hidden_by_restriction,
    owned_condition,
    restrict,
    shared_condition,
)
from kontor.activities.models import Activity, Kind, Participant, TaskStatus
from kontor.contacts import selectors as contact_selectors
from kontor.contacts.models import Contact, Organization
from kontor.core.ids import parse_uuid
from kontor.core.models import prefetch_list

User = AbstractBaseUser | AnonymousUser

TIMELINE_ORDER = ("-occurred_at", "-id")
TASK_ORDER = ("due_at", "id")


def visible_activities(user: User) -> QuerySet[Activity]:
    """An activity follows its contact: it is visible when its contact is, so
    that nothing about a hidden contact shows on a visible organization's
    timeline (and a contact shared with the user brings its history along);
    one without a contact follows its organization. The user's level for
    activities must reach it too (kontor.access: an activity belongs to its
    records and its author)."""
    activities = Activity.objects.all()
    by_contact = linked_record_visible("contact", contact_selectors.visible_contacts(user))
    by_organization = linked_record_visible(
        "organization", contact_selectors.visible_organizations(user)
    )
    if by_contact is not None:
        activities = activities.filter(by_contact)
    if by_organization is not None:
        activities = activities.filter(Q(contact__isnull=False) | by_organization)
    return restrict(activities, user, "activity")


def linked_record_visible(field: str, visible: QuerySet) -> Q | None:
    """The condition "the record in ``field`` is empty or in ``visible``"; None
    when the access rules hide nothing, so that a user who may see everything
    pays for no subquery on every row."""
    if visible.query.is_empty():
        return Q(**{f"{field}__isnull": True})
    if not visible.query.where:
        return None
    return Q(**{f"{field}__isnull": True}) | Exists(visible.filter(pk=OuterRef(f"{field}_id")))


def with_related(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Everything a timeline entry shows, in a fixed number of queries."""
    return activities.select_related(
        "author", "assignee", "contact", "organization"
    ).prefetch_related(*related_prefetches())


def related_prefetches() -> list[Prefetch]:
    """Participants and files as lists (``participant_list``,
    ``attachment_list``; ``kontor.core.models.prefetch_list``)."""
    return [
        prefetch_list("participants", Participant.objects.select_related("contact", "user")),
        prefetch_list("attachments"),
    ]


def activity_get(*, user: User, activity_id: Any) -> Activity | None:
    pk = parse_uuid(activity_id)
    if pk is None:
        return None
    return with_related(visible_activities(user)).filter(pk=pk).first()


def organization_member_ids(*, user: User, organization: Organization) -> list[uuid.UUID]:
    return list(
        contact_selectors.visible_contacts(user)
        .filter(organization=organization)
        .values_list("pk", flat=True)
    )


def contact_activities(*, user: User, contact_id: uuid.UUID | None) -> QuerySet[Activity]:
    """The contact's activities the user may see. Whether the contact is
    visible is asked once, not once per activity (``visible_activities``
    would, which costs seconds for a contact with 30 000 activities), and
    not at all when the user may see every contact."""
    visible = contact_selectors.visible_contacts(user)
    if contact_id is None or (visible.query.where and not visible.filter(pk=contact_id).exists()):
        return Activity.objects.none()
    return restrict(Activity.objects.filter(contact_id=contact_id), user, "activity")


def contact_history(*, user: User, contact: Contact) -> QuerySet[Activity]:
    """``contact_activities`` for a contact read as ``user`` (``contact_get``),
    whose visibility need not be asked again."""
    return restrict(Activity.objects.filter(contact=contact), user, "activity")


def organization_activities(
    *, user: User, organization: Organization, member_ids: Iterable[uuid.UUID] | None = None
) -> QuerySet[Activity]:
    """The organization's own activities and those of the people who work there.
    The members' ids are read first (one query) so that both halves of the
    condition use their index."""
    if member_ids is None:
        member_ids = organization_member_ids(user=user, organization=organization)
    return visible_activities(user).filter(
        Q(organization=organization) | Q(contact_id__in=list(member_ids))
    )


def timeline(activities: QuerySet[Activity], *, kinds: Iterable[str] = ()) -> QuerySet[Activity]:
    """Newest first, optionally only some kinds."""
    kinds = [k for k in kinds if k in Kind.values]
    if kinds:
        activities = activities.filter(kind__in=kinds)
    return with_related(activities).order_by(*TIMELINE_ORDER)


def activity_list(
    *,
    user: User,
    contact_id: Any = None,
    organization_id: Any = None,
    kinds: Iterable[str] = (),
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    assignee_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Activity]:
    """The API's list. ``organization_id`` includes the activities of the
    organization's contacts, like its timeline; ``contact_id`` alone reads
    the contact's history (``contact_activities``)."""
    if organization_id is not None:
        organization = (
            contact_selectors.visible_organizations(user)
            .filter(pk=parse_uuid(organization_id))
            .first()
        )
        if organization is None:
            return Activity.objects.none()
        activities = organization_activities(user=user, organization=organization)
        if contact_id is not None:
            activities = activities.filter(contact_id=parse_uuid(contact_id))
    elif contact_id is not None:
        activities = contact_activities(user=user, contact_id=parse_uuid(contact_id))
    else:
        activities = visible_activities(user)
    if since is not None:
        activities = activities.filter(occurred_at__gte=since)
    if until is not None:
        activities = activities.filter(occurred_at__lt=until)
    if assignee_id is not None:
        activities = activities.filter(assignee_id=assignee_id)
    if status:
        activities = activities.filter(status=status)
    return timeline(activities, kinds=kinds)


def task_list(
    *, user: User, assignee_id: int | None = None, status: str | None = None
) -> QuerySet[Activity]:
    """Tasks, soonest due first."""
    tasks = visible_activities(user).filter(kind=Kind.TASK)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    if status:
        tasks = tasks.filter(status=status)
    return with_related(tasks).order_by(*TASK_ORDER)


def open_tasks_of(user: User, *, limit: int = 500) -> list[Activity]:
    """The user's open tasks for the "My tasks" page, soonest due first."""
    return list(task_list(user=user, assignee_id=user.pk, status=TaskStatus.OPEN)[:limit])


INTERACTIONS = (Kind.CALL, Kind.EMAIL, Kind.MEETING)


@dataclass(frozen=True)
class Head:
    """The first rows of a query in its order, read with ``limit``: when
    fewer came, they are all there is."""

    rows: list[Activity]
    limit: int

    @property
    def complete(self) -> bool:
        return len(self.rows) < self.limit


def last_interaction(
    activities: QuerySet[Activity], *, newest: Head | None = None
) -> Activity | None:
    """The latest call, email or meeting that has taken place. ``newest``:
    the first of ``activities`` in timeline order, read already (the 360°
    view's recent activities); when the answer is among them, or they are
    all there is, no query is needed."""
    now = timezone.now()
    if newest is not None:
        for activity in newest.rows:
            if activity.kind in INTERACTIONS and activity.occurred_at <= now:
                return activity
        if newest.complete:
            return None
    return (
        activities.filter(kind__in=INTERACTIONS, occurred_at__lte=now)
        .order_by(*TIMELINE_ORDER)
        .first()
    )


def next_interaction(
    activities: QuerySet[Activity],
    *,
    newest: Head | None = None,
    open_tasks: Head | None = None,
) -> Activity | None:
    """The next planned meeting or the open task due soonest from now on.
    ``newest`` as for ``last_interaction``; ``open_tasks``: the first open
    tasks in task order, read already."""
    now = timezone.now()
    meeting = _next_meeting(activities, now, newest)
    task = _next_task(activities, now, open_tasks)
    if meeting and task:
        return meeting if meeting.starts_at <= task.due_at else task
    return meeting or task


def _next_meeting(
    activities: QuerySet[Activity], now: datetime.datetime, newest: Head | None
) -> Activity | None:
    # Newest first: once the rows reach the past, every later activity is
    # among them, the soonest last.
    if newest is not None and (newest.complete or newest.rows[-1].occurred_at <= now):
        upcoming = (a for a in reversed(newest.rows) if a.occurred_at > now)
        return next((a for a in upcoming if a.kind == Kind.MEETING), None)
    # A meeting's occurred_at is its start, which the timeline indexes cover.
    return (
        activities.filter(kind=Kind.MEETING, occurred_at__gt=now)
        .order_by("occurred_at", "id")
        .first()
    )


def _next_task(
    activities: QuerySet[Activity], now: datetime.datetime, open_tasks: Head | None
) -> Activity | None:
    # In task order the soonest due come first: every open task not among
    # the rows is due no sooner than they are.
    if open_tasks is not None:
        for task in open_tasks.rows:
            if task.due_at >= now:
                return task
        if open_tasks.complete:
            return None
    return (
        activities.filter(kind=Kind.TASK, status=TaskStatus.OPEN, due_at__gte=now)
        .order_by(*TASK_ORDER)
        .first()
    )


def counts_by_kind(activities: QuerySet[Activity]) -> dict[str, int]:
    counts = dict.fromkeys(Kind.values, 0)
    rows = activities.order_by().values_list("kind").annotate(n=Count("*"))
    for kind, n in rows:
        counts[kind] = n
    return counts


def assignable_users() -> QuerySet:
    """Colleagues a task can be assigned to or who can take part in a meeting."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def activity_counts_by_day(start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """Every activity from ``start`` up to ``end``, counted per day (in the
    current time zone), author and what decides who may read it: the owner
    of its contact, the owner of its organization, and whether it is about
    a contact or only an organization (``about_contact``). These are the
    rows of the dashboards' rollup (kontor.analytics), read along the
    ``occurred_at`` index; ``readable_by_owners`` is the access rule over them."""
    return (
        Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .annotate(
            day=TruncDate("occurred_at"),
            contact_owner_id=F("contact__owner_id"),
            organization_owner_id=F("organization__owner_id"),
            about_contact=Case(
                When(contact__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values("day", "author_id", "contact_owner_id", "organization_owner_id", "about_contact")
        .annotate(count=Count("id"))
    )


def readable_by_owners(
    user: User,
    *,
    author: str,
    contact_owner: str,
    organization_owner: str,
    about_contact: Q,
) -> Q | None:
    """``visible_activities``'s rule, shares aside, as a condition on the
    columns that keep an activity's author, its contact's owner and its
    organization's owner, with ``about_contact`` telling whether it is
    about a contact (else only about an organization): a rollup of activities counted by these
    keys (``activity_counts_by_day``) then answers for any user. None when
    the user reads every activity. Shares with the user come on top
    (``activities_shared_beyond_owners``)."""
    condition = Q()
    contacts = owned_condition(user, "contact", (contact_owner,))
    if contacts is not None:
        condition &= ~about_contact | contacts
    organizations = owned_condition(user, "organization", (organization_owner,))
    if organizations is not None:
        condition &= about_contact | organizations
    own = owned_condition(
        user, "activity", (author, contact_owner, organization_owner), under_parents=True
    )
    if own is not None:
        condition &= own
    return condition or None


def _readable_by_owners_live(user: User) -> Q | None:
    """``readable_by_owners`` over the activities themselves."""
    return readable_by_owners(
        user,
        author="author_id",
        contact_owner="contact__owner_id",
        organization_owner="organization__owner_id",
        about_contact=Q(contact__isnull=False),
    )


def activities_shared_beyond_owners(user: User) -> QuerySet[Activity] | None:
    """The activities ``user`` reads only because something is shared with
    them or their teams (the activity, its contact or its organization):
    visible, but not by ``readable_by_owners``. None when nothing of these
    is shared with them. Read along the shared records' indexes."""
    shared = shared_condition(user, "activity")
    if shared is None:
        return None
    by_owners = _readable_by_owners_live(user)
    activities = visible_activities(user).filter(shared)
    if by_owners is None:
        return activities.none()
    # CASE, not NOT(...): a condition that is unknown (NULL, over a missing
    # contact or owner) counts as false, as in the rollup's WHERE.
    return activities.annotate(
        by_owners=Case(When(by_owners, then=Value(True)), default=Value(False))
    ).filter(by_owners=False)


def activities_hidden_by_restriction(user: User) -> QuerySet[Activity] | None:
    """The activities that ``readable_by_owners`` gives ``user`` but the
    restriction of a person's processing hides from them: a rollup counted
    by owners holds them, and takes them out again for ``user``. Few (the
    restricted persons'), read along the contact index. None when ``user``
    sees restricted persons."""
    hidden = hidden_by_restriction(Activity.objects.all(), user)
    if hidden is None:
        return None
    by_owners = _readable_by_owners_live(user)
    return hidden if by_owners is None else hidden.filter(by_owners)


def activity_days(activity_ids: Iterable[Any]) -> set[datetime.date]:
    """The days (in the current time zone) of the activities with these ids
    that still exist."""
    return set(
        Activity.objects.filter(pk__in=list(activity_ids))
        .order_by()
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day", flat=True)
        .distinct()
    )


def activity_days_about(
    *, contact_ids: Iterable[Any] = (), organization_ids: Iterable[Any] = ()
) -> set[datetime.date]:
    """The days (in the current time zone) of the activities about these
    contacts or organizations, read along their indexes."""
    contact_ids, organization_ids = list(contact_ids), list(organization_ids)
    if not contact_ids and not organization_ids:
        return set()
    return set(
        Activity.objects.filter(
            Q(contact_id__in=contact_ids) | Q(organization_id__in=organization_ids)
        )
        .order_by()
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day", flat=True)
        .distinct()
    )


def first_activity_time() -> datetime.datetime | None:
    first = Activity.objects.order_by("occurred_at").values_list("occurred_at", flat=True)[:1]
    return next(iter(first), None)
