import datetime

import pytest
from django.utils import timezone

from kontor.access.models import Role
from kontor.access.services import team_create, user_create, user_update
from kontor.activities.models import Activity, Kind
from tests.factories import ContactFactory, OrganizationFactory, UserFactory


@pytest.fixture
def organization(user):
    return OrganizationFactory(name="Müller & Söhne KG", owner=user)


@pytest.fixture
def contact(user, organization):
    return ContactFactory(
        first_name="Sabine",
        last_name="Koch",
        organization_id=organization.pk,
        emails=[{"address": "s.koch@mueller.example"}],
        phones=[{"number": "0711 2299300-41"}],
        owner=user,
    )


@pytest.fixture
def colleague(db):
    return UserFactory(username="mia", first_name="Mia", last_name="Vertrieb")


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", roles=["administrator"])


@pytest.fixture
def stranger(user, administrator):
    """A sales rep of team South; ``user`` becomes a sales rep of team North.
    Set up as an administrator would, through the access services: under the
    role's team level each sees their own team's records and not the other's,
    unless one is shared with them."""
    north = team_create(actor=administrator, name="North")
    south = team_create(actor=administrator, name="South")
    sales = Role.objects.get(slug="sales")
    user_update(actor=administrator, user=user, data={"roles": [sales.pk], "teams": [north.pk]})
    return user_create(
        actor=administrator,
        data={
            "username": "stranger",
            "password": "a long passphrase nobody guesses",
            "roles": [sales.pk],
            "teams": [south.pk],
        },
    )


def bulk_history(*, author, count: int, contact=None, organization=None) -> None:
    """``count`` activities of every kind, written in bulk (the query-count
    tests need many rows fast; the services are tested elsewhere)."""
    now = timezone.now()
    kinds = [Kind.CALL, Kind.EMAIL, Kind.MEETING, Kind.NOTE, Kind.TASK]
    rows = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        when = now - datetime.timedelta(hours=index)
        extra = {}
        if kind == Kind.TASK:
            extra = {"status": "open", "due_at": when + datetime.timedelta(days=3),
                     "assignee": author}  # fmt: skip
        elif kind == Kind.MEETING:
            extra = {"starts_at": when, "ends_at": when + datetime.timedelta(hours=1)}
        elif kind in (Kind.CALL, Kind.EMAIL):
            extra = {"direction": "outbound"}
        rows.append(
            Activity(
                kind=kind,
                subject=f"{kind} {index}",
                body="…",
                occurred_at=when,
                author=author,
                contact=contact,
                organization=organization or (contact.organization if contact else None),
                **extra,
            )
        )
    Activity.objects.bulk_create(rows)
