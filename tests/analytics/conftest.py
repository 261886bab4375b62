"""Generated data for the dashboards: two teams (a large one and one below
the works-council minimum), deals in every stage with their history,
invoices of every age, and activities over twelve weeks, with fixed times
at noon UTC (the same day in KONTOR_TIME_ZONE)."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kontor.access.grants import forget_access
from kontor.activities.models import Activity
from kontor.contacts.models import Contact, Organization
from kontor.sales.models import Deal, DealStageChange, Invoice, Pipeline, StageKind
from tests.factories import UserFactory

TODAY = datetime.date(2026, 6, 15)
SINCE = datetime.date(2025, 1, 1)
UNTIL = datetime.date(2026, 12, 31)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@dataclass
class World:
    pipeline: Pipeline
    superuser: Any
    rep: Any
    north: list  # the rep's team: six people
    south: list  # two people
    loner: Any  # in no team
    today: datetime.date = TODAY


@pytest.fixture
def world(db, settings) -> World:
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 5
    rng = random.Random(17)
    superuser = UserFactory(username="chief", is_superuser=True, is_staff=True)
    rep = UserFactory(username="rep", roles=["sales"], teams=["North"])
    north = [rep] + [
        UserFactory(username=f"north{i}", roles=["sales"], teams=["North"]) for i in range(5)
    ]
    south = [UserFactory(username=f"south{i}", roles=["sales"], teams=["South"]) for i in range(2)]
    loner = UserFactory(username="loner", roles=["sales"])
    for user in [rep, *north, *south, loner]:
        forget_access(user)
    owners = [*north, *south, loner]
    organizations = [
        Organization.objects.create(name=f"Firma {i}", owner=owners[i % len(owners)])
        for i in range(len(owners) * 2)
    ]
    contacts = [
        Contact.objects.create(
            display_name=f"Person {i}",
            last_name=f"Person {i}",
            organization=organizations[i % len(organizations)],
            owner=organizations[i % len(organizations)].owner,
        )
        for i in range(len(organizations) * 2)
    ]
    pipeline = Pipeline.objects.get(name="New business")
    stages = list(pipeline.stages.all())
    sources = ["web", "fair", "", "referral"]
    for i in range(90):
        owner = rng.choice(owners)
        stage = rng.choice(stages)
        created = noon(TODAY - datetime.timedelta(days=rng.randint(0, 500)))
        closed = None
        if stage.kind != StageKind.OPEN:
            closed = created + datetime.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 5))
        deal = Deal.objects.create(
            title=f"Deal {i}",
            pipeline=pipeline,
            stage=stage,
            status=stage.kind,
            owner=owner,
            organization=rng.choice(organizations),
            amount=Decimal(rng.randint(100, 90_000)) + Decimal("0.45"),
            currency=rng.choice(["EUR", "EUR", "USD"]),
            probability=rng.choice([None, None, 10, 55]),
            expected_close_date=rng.choice(
                [None, TODAY + datetime.timedelta(days=rng.randint(-60, 300))]
            ),
            source=rng.choice(sources),
            stage_entered_at=created,
            closed_at=closed,
        )
        Deal.objects.filter(pk=deal.pk).update(created_at=created)
        path = [s for s in stages if s.position <= stage.position and s.kind == StageKind.OPEN]
        path = path[: rng.randint(1, max(1, len(path)))] + (
            [stage] if stage.kind != StageKind.OPEN else []
        )
        previous = None
        for step in path:
            DealStageChange.objects.create(
                deal=deal,
                from_stage=previous,
                to_stage=step,
                from_name=previous.name if previous else "",
                to_name=step.name,
                changed_at=created,
            )
            previous = step
        # As the sales services keep it (tests/sales: the furthest stage).
        furthest = [step for step in path if step.kind != StageKind.LOST]
        Deal.objects.filter(pk=deal.pk).update(furthest_stage=furthest[-1] if furthest else None)
    for i in range(40):
        organization = rng.choice(organizations)
        gross = Decimal(rng.randint(50, 20_000)) + Decimal("0.10")
        Invoice.objects.create(
            number=f"R-{i}",
            organization=organization,
            currency=rng.choice(["EUR", "USD"]),
            invoice_date=TODAY - datetime.timedelta(days=rng.randint(0, 200)),
            due_date=TODAY,
            gross_amount=gross,
            amount_paid=rng.choice([Decimal(0), gross / 2, gross]).quantize(Decimal("0.01")),
            status=rng.choice(["open", "open", "open", "paid", "cancelled"]),
            archived_at=timezone.now() if i % 13 == 0 else None,
        )
    activities = []
    for i in range(240):
        contact = rng.choice(contacts)
        activities.append(
            Activity(
                kind=rng.choice(["call", "note", "email", "meeting"]),
                subject=f"Activity {i}",
                occurred_at=noon(TODAY - datetime.timedelta(days=rng.randint(0, 90))),
                author=rng.choice([*owners, None]),
                contact=contact,
                organization=contact.organization,
            )
        )
    Activity.objects.bulk_create(activities)
    return World(pipeline, superuser, rep, north, south, loner)
