import pytest

from kontor.access.models import Team
from kontor.service import services
from tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture
def team(db):
    return Team.objects.create(name="Support")


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
        owner=user,
    )


@pytest.fixture
def ticket(user, contact, team):
    return services.ticket_create(
        actor=user,
        data={"subject": "Drucker druckt nicht", "contact_id": contact.pk, "team_id": team.pk},
    )
