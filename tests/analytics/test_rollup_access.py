"""The activities dashboard from the rollup equals the live count for every
user: random small companies — roles with random read levels for contacts,
organizations and activities, teams, owners (or none), activities about a
contact (with or without an organization) or only an organization, shares with users and teams —
and for each user the rollup's figures (its rows whose owners the user
reaches, plus what shares add live, less what the restriction of a
person's processing hides) are compared with a count over the
activities the user may read. Then contacts and organizations change owner
through their services, the outbox consumer notes the days, a refresh
counts them, and the figures still agree."""

import datetime
import random
from typing import Any

import pytest
from django.utils import timezone

from kontor.access.grants import forget_access
from kontor.access.models import Role, Share, Team
from kontor.activities.models import Activity
from kontor.activities.selectors import visible_activities
from kontor.analytics.dashboards.activities import _live_counts, activity_counts
from kontor.analytics.models import RollupDirtyDay
from kontor.analytics.rollup import rebuild, refresh
from kontor.contacts.models import Contact, Organization
from kontor.contacts.services import contact_update, organization_update
from kontor.events.dispatch import dispatch_pending
from tests.analytics.conftest import TODAY, noon
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEVELS = ["none", "own", "team", "all"]
SINCE = TODAY - datetime.timedelta(days=98)


def make_company(rng: random.Random) -> dict[str, Any]:
    admin = UserFactory(username="company-admin", is_superuser=True)
    teams = [Team.objects.create(name=f"Team {n}") for n in range(2)]
    users = []
    for number in range(6):
        user = UserFactory(username=f"user-{number}", roles=[])
        role = Role.objects.create(
            slug=f"role-{number}",
            name=f"Role {number}",
            levels={
                "*": {"read": rng.choice(LEVELS)},
                **{key: {"read": rng.choice(LEVELS)} for key in ("contact", "organization")},
                "activity": {"read": rng.choice(LEVELS)},
            },
        )
        role.users.add(user)
        for team in teams:
            if rng.random() < 0.5:
                team.members.add(user)
        users.append(user)
    owners = [*users, None]
    organizations = [
        Organization.objects.create(name=f"Firma {n}", owner=rng.choice(owners)) for n in range(5)
    ]
    contacts = [
        Contact.objects.create(
            display_name=f"Person {n}",
            last_name=f"Person {n}",
            owner=rng.choice(owners),
            organization=rng.choice([*organizations, None]),
        )
        for n in range(10)
    ]
    activities = []
    for n in range(160):
        # About a contact, with or without an organization, or only an organization.
        contact = rng.choice([*contacts, None, None])
        organization = rng.choice([*organizations, *([None] if contact else [])])
        activities.append(
            Activity(
                kind=rng.choice(["call", "note", "email"]),
                subject=f"Activity {n}",
                occurred_at=noon(TODAY - datetime.timedelta(days=rng.randint(0, 90))),
                author=rng.choice(owners),
                contact=contact,
                organization=organization,
            )
        )
    Activity.objects.bulk_create(activities)
    records = [
        *(("contact", c.pk) for c in contacts),
        *(("organization", o.pk) for o in organizations),
        *(("activity", a.pk) for a in activities[:20]),
    ]
    for object_type, object_id in rng.sample(records, 6):
        with_team = rng.random() < 0.3
        Share.objects.create(
            object_type=object_type,
            object_id=object_id,
            user=None if with_team else rng.choice(users),
            team=rng.choice(teams) if with_team else None,
            shared_by=admin,
        )
    return {"admin": admin, "users": [*users, admin], "contacts": contacts, "orgs": organizations}


def assert_rollup_equals_live(users: list[Any]) -> None:
    compared = 0
    for user in users:
        forget_access(user)
        for authors in (None, {u.pk for u in users[:3]}):
            counts, source = activity_counts(user, SINCE, TODAY, authors)
            assert source == "rollup"
            live = _live_counts(visible_activities(user), SINCE, TODAY, authors)
            assert {k: v for k, v in counts.items() if v} == dict(live), user.username
            compared += sum(live.values())
    assert compared, "no user reads any activity: the company proves nothing"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_rollup_answers_every_user_as_the_live_count(seed):
    rng = random.Random(seed)
    company = make_company(rng)
    # Persons whose processing is restricted: the rollup counts their
    # activities, and every user but those who see such persons (the
    # superuser here) must not.
    restricted = [c.pk for c in rng.sample(company["contacts"], 2)]
    Contact.objects.filter(pk__in=restricted).update(processing_restricted_at=timezone.now())
    rebuild(today=TODAY)
    assert_rollup_equals_live(company["users"])

    dispatch_pending()
    RollupDirtyDay.objects.all().delete()
    owners = [*company["users"][:-1], None]
    for contact in rng.sample(company["contacts"], 4):
        new_owner = rng.choice(owners)
        contact_update(
            actor=company["admin"],
            contact=contact,
            data={"owner_id": new_owner.pk if new_owner else None},
        )
    for organization in rng.sample(company["orgs"], 2):
        new_owner = rng.choice(owners)
        organization_update(
            actor=company["admin"],
            organization=organization,
            data={"owner_id": new_owner.pk if new_owner else None},
        )
    dispatch_pending()
    assert RollupDirtyDay.objects.exists()
    # Recount only the noted days (none of the recent ones).
    refresh(today=TODAY + datetime.timedelta(days=400))
    assert_rollup_equals_live(company["users"])


def test_without_a_whole_count_the_figures_are_counted_live(world):
    counts, source = activity_counts(world.rep, SINCE, TODAY, None)
    assert source == "live"
    assert counts == _live_counts(visible_activities(world.rep), SINCE, TODAY, None)
