import datetime

import pytest
from django.utils import timezone

from kontor.activities.models import Activity, Kind
from kontor.contacts import selectors as contact_selectors
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
def own_records_only(monkeypatch):
    """The access rules as they will come: a user sees only the contacts and
    organizations they own. Every read of the history must follow."""
    all_contacts = contact_selectors.visible_contacts
    all_organizations = contact_selectors.visible_organizations
    monkeypatch.setattr(
        contact_selectors,
        "visible_contacts",
        lambda user: all_contacts(user).filter(owner_id=user.pk),
    )
    monkeypatch.setattr(
        contact_selectors,
        "visible_organizations",
        lambda user: all_organizations(user).filter(owner_id=user.pk),
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
