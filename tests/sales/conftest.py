import pytest

from kontor.sales import services
from kontor.sales.models import Pipeline
from tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture
def pipeline(db):
    """The default pipeline the migration made."""
    return Pipeline.objects.get(name="New business")


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


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
def product(user):
    return services.product_create(
        actor=user,
        data={"sku": "CONS-H", "name": "Beratung", "unit": "h", "net_price": "120.00",
              "tax_rate": "19"},
    )  # fmt: skip


@pytest.fixture
def book(user):
    return services.product_create(
        actor=user,
        data={"sku": "BOOK-1", "name": "Handbuch", "unit": "Stück", "net_price": "39.90",
              "tax_rate": "7"},
    )  # fmt: skip


@pytest.fixture
def deal(user, organization, contact):
    return services.deal_create(
        actor=user,
        data={"title": "Rollout 2026", "organization_id": organization.pk,
              "contact_id": contact.pk, "amount": "12000.00"},
    )  # fmt: skip


def sent_quote(user, deal, product):
    quote = services.quote_create(
        actor=user,
        data={"deal_id": deal.pk, "lines": [{"product_id": product.pk, "quantity": "10"}]},
    )
    return services.quote_set_status(actor=user, quote=quote, status="sent")
