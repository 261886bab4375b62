import pytest

from kontor.events.dispatch import dispatch_pending
from kontor.sales import services as sales
from kontor.sales.models import Pipeline
from kontor.tasks.worker import run_until_empty
from kontor.workflow import services
from tests.factories import ContactFactory, OrganizationFactory


def drain() -> None:
    """What the worker does after commits: hand the outbox's events to the
    consumers and run the queued jobs, until nothing is left (the events a
    rule's actions emit included)."""
    for _ in range(50):
        dispatched = dispatch_pending()
        ran = run_until_empty()
        if not dispatched and not ran:
            return
    raise AssertionError("the worker never ran dry")


def make_rule(owner, **data):
    values = {
        "name": "Rule",
        "record_type": "contact",
        "trigger": {"on": "created"},
        "actions": [{"type": "add_note", "body": "Hello"}],
        **data,
    }
    return services.rule_create(actor=owner, data=values)


@pytest.fixture
def organization(user):
    return OrganizationFactory(name="Müller & Söhne KG", owner=user)


@pytest.fixture
def contact(user, organization):
    contact = ContactFactory(
        first_name="Sabine",
        last_name="Koch",
        organization_id=organization.pk,
        emails=[{"address": "s.koch@mueller.example"}],
        owner=user,
    )
    drain()  # its created event is past
    return contact


@pytest.fixture
def pipeline(db):
    return Pipeline.objects.get(name="New business")


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def deal(user, organization, contact):
    deal = sales.deal_create(
        actor=user,
        data={"title": "Rollout 2026", "organization_id": organization.pk,
              "contact_id": contact.pk, "amount": "12000.00"},
    )  # fmt: skip
    drain()
    return deal
