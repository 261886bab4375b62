"""Lead scoring on generated history with a planted signal: deals with many
meetings are won. The evaluation finds it, the model gives the same scores
on every run, special-category and financial fields are never features,
switched off nothing is scored or shown, and the score appears on the deal
page, the board card, the 360° view and in the API to those who may read
the deal."""

import datetime
import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from kontor.access.grants import forget_access
from kontor.access.models import FieldCategory
from kontor.activities.models import Activity
from kontor.analytics import scoring
from kontor.analytics.models import DealScore
from kontor.contacts.models import Contact, Organization
from kontor.customfields.models import CustomFieldDefinition
from kontor.sales.models import Deal, DealStageChange, Pipeline, StageKind
from kontor.tasks.schedules import registered_schedules
from tests.conftest import api_client_for
from tests.factories import UserFactory

CLOSED = 120
OPEN = 8


def _deal(rng, pipeline, stage, owner, contact, title, now):
    created = now - datetime.timedelta(days=rng.randint(40, 400))
    closed = created + datetime.timedelta(days=rng.randint(20, 90))
    if stage.kind == StageKind.OPEN:
        closed = None
    deal = Deal.objects.create(
        title=title,
        pipeline=pipeline,
        stage=stage,
        status=stage.kind,
        owner=owner,
        contact=contact,
        organization=contact.organization,
        amount=Decimal(rng.randint(500, 50_000)),
        currency="EUR",
        source=rng.choice(["web", "fair", "referral", ""]),
        stage_entered_at=created,
        closed_at=closed,
        custom={"health": rng.randint(0, 9), "employees": rng.randint(1, 500)},
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=created)
    deal.created_at = created
    DealStageChange.objects.create(
        deal=deal, to_stage=stage, to_name=stage.name, changed_at=created
    )
    return deal


@pytest.fixture
def history(db):
    """120 won or lost deals, where about nine in ten of those with three or
    more meetings in their last month were won, and eight open deals."""
    rng = random.Random(5)
    now = timezone.now()
    owner = UserFactory(username="seller", roles=["sales"])
    forget_access(owner)
    organization = Organization.objects.create(name="Kunde AG", owner=owner)
    contact = Contact.objects.create(
        display_name="Ada Kunde", last_name="Kunde", organization=organization, owner=owner
    )
    pipeline = Pipeline.objects.get(name="New business")
    stages = {stage.kind: stage for stage in pipeline.stages.all().order_by("-position")}
    first_open = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    activities = []
    deals = []
    for i in range(CLOSED + OPEN):
        is_open = i >= CLOSED
        busy = rng.random() < 0.5
        won = busy if rng.random() < 0.9 else not busy
        stage = first_open if is_open else stages[StageKind.WON if won else StageKind.LOST]
        deal = _deal(rng, pipeline, stage, owner, contact, f"Deal {i}", now)
        deals.append(deal)
        until = deal.closed_at or now
        meetings = rng.randint(3, 6) if busy else rng.randint(0, 1)
        for m in range(meetings + rng.randint(0, 2)):
            kind = "meeting" if m < meetings else rng.choice(["call", "email", "note"])
            activities.append(
                Activity(
                    kind=kind,
                    subject=f"{kind} {i}",
                    occurred_at=until - datetime.timedelta(days=rng.randint(1, 25)),
                    author=owner,
                    contact=contact,
                    organization=organization,
                    linked_type="deal",
                    linked_id=deal.pk,
                )
            )
    Activity.objects.bulk_create(activities)
    return {"owner": owner, "contact": contact, "deals": deals, "pipeline": pipeline}


def test_the_evaluation_finds_the_planted_signal(history):
    evaluation = scoring.evaluate()
    assert evaluation is not None
    assert evaluation.auc > 0.75
    assert evaluation.train_deals + evaluation.test_deals == CLOSED
    assert sum(count for _p, _a, count in evaluation.bins) == evaluation.test_deals
    out = StringIO()
    call_command("leadscore", "evaluate", stdout=out)
    assert f"AUC: {evaluation.auc:.3f}" in out.getvalue()
    assert "Calibration" in out.getvalue()


def test_training_scores_the_open_deals_the_same_on_every_run(history):
    first = scoring.train_and_score()
    assert first["trained"] and first["scored"] == OPEN
    scores = dict(DealScore.objects.values_list("deal_id", "score"))
    reasons = dict(DealScore.objects.values_list("deal_id", "reasons"))
    out = StringIO()
    call_command("leadscore", "train", stdout=out)
    assert f"{OPEN} open deals scored" in out.getvalue()
    assert dict(DealScore.objects.values_list("deal_id", "score")) == scores
    assert dict(DealScore.objects.values_list("deal_id", "reasons")) == reasons
    assert set(scores) == {deal.pk for deal in history["deals"][CLOSED:]}
    assert all(0 <= score <= 1 for score in scores.values())
    assert all(1 <= len(r) <= 3 for r in reasons.values())


def test_a_closed_deal_loses_its_score(history):
    scoring.train_and_score()
    deal = history["deals"][-1]
    won = history["pipeline"].stages.get(kind=StageKind.WON)
    Deal.objects.filter(pk=deal.pk).update(
        stage=won, status=StageKind.WON, closed_at=timezone.now()
    )
    scoring.train_and_score()
    assert not DealScore.objects.filter(deal_id=deal.pk).exists()
    assert DealScore.objects.count() == OPEN - 1


def test_special_and_financial_fields_are_never_features(history):
    CustomFieldDefinition.objects.create(
        object_type="deal", key="health", label="Health", field_type="number", category="special"
    )
    CustomFieldDefinition.objects.create(
        object_type="deal", key="employees", label="Employees", field_type="number"
    )
    trained = scoring.train()
    names = trained.names
    assert "custom:employees" in names
    reason = {"feature": "custom:employees", "value": 12, "effect": 0.5, "label": "Employees"}
    with translation.override("en"):
        assert scoring.reason_text(reason) == "Employees: 12 (raises the score)"
    with translation.override("de"):
        assert scoring.reason_text(reason) == "Employees: 12 (hebt den Score)"
    assert ("employees", "Employees") in trained.spec.custom
    assert "custom:health" not in names
    assert "amount" in names
    assert "meeting" in " ".join(names)

    FieldCategory.objects.create(object_type="deal", field="amount", category="financial")
    CustomFieldDefinition.objects.filter(key="employees").update(category="financial")
    names = scoring.train().names
    assert not [name for name in names if name.startswith("custom:")]
    assert "amount" not in names
    assert scoring.evaluate().features == names


def test_switched_off_nothing_is_trained_or_shown(history, settings, client):
    scoring.train_and_score()
    assert DealScore.objects.exists()
    settings.KONTOR_LEAD_SCORING = False
    assert scoring.train_and_score() == {"enabled": False, "trained": False, "scored": 0}
    assert scoring.train() is None
    deal = history["deals"][-1]
    assert scoring.scores_for([deal.pk]) == {}
    client.force_login(history["owner"])
    page = client.get(deal.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="deal-score"' not in page.content.decode()
    answer = api_client_for(history["owner"]).get(f"/api/v1/deals/{deal.pk}/score")
    assert answer.status_code == 404
    with pytest.raises(CommandError):
        call_command("leadscore", "train", stdout=StringIO())


def test_too_little_history_trains_nothing(db):
    assert scoring.train_and_score() == {"enabled": True, "trained": False, "scored": 0}
    assert scoring.evaluate() is None
    with pytest.raises(CommandError):
        call_command("leadscore", "evaluate", stdout=StringIO())


def test_the_deal_page_board_and_360_view_show_the_score(history, client):
    scoring.train_and_score()
    deal = history["deals"][-1]
    stored = DealScore.objects.get(deal_id=deal.pk)
    client.force_login(history["owner"])

    page = client.get(deal.get_absolute_url()).content.decode()
    assert 'data-testid="deal-score"' in page
    assert f"{round(stored.score * 100)} %" in page
    assert scoring.reason_text(stored.reasons[0]) in page

    board = client.get(history["pipeline"].get_absolute_url()).content.decode()
    assert board.count('data-testid="deal-score"') == OPEN
    assert scoring.reason_text(stored.reasons[0]) in board

    overview = client.get(history["contact"].get_absolute_url()).content.decode()
    assert 'data-testid="deal-score"' in overview
    answer = api_client_for(history["owner"]).get(
        f"/api/v1/contacts/{history['contact'].pk}/overview"
    )
    assert answer.status_code == 200
    scored = [d for d in answer.json()["deals"] if d["id"] == str(deal.pk)]
    assert scored[0]["score"] == stored.score
    assert len(scored[0]["score_reasons"]) == len(stored.reasons)


def test_the_api_answers_the_score_to_those_who_may_read_the_deal(history):
    scoring.train_and_score()
    deal = history["deals"][-1]
    stored = DealScore.objects.get(deal_id=deal.pk)
    answer = api_client_for(history["owner"]).get(f"/api/v1/deals/{deal.pk}/score")
    assert answer.status_code == 200
    body = answer.json()
    assert body["score"] == stored.score
    assert body["deal_id"] == str(deal.pk)
    assert len(body["score_reasons"]) == len(stored.reasons)
    assert body["model_version"] == stored.model_version

    stranger = UserFactory(username="stranger", roles=["sales"])
    forget_access(stranger)
    assert api_client_for(stranger).get(f"/api/v1/deals/{deal.pk}/score").status_code == 404
    closed = history["deals"][0]
    owner_api = api_client_for(history["owner"])
    assert owner_api.get(f"/api/v1/deals/{closed.pk}/score").status_code == 404
    assert owner_api.get("/api/v1/deals/not-a-uuid/score").status_code == 404


def test_the_worker_retrains_on_a_schedule():
    names = {spec.name: spec for spec in registered_schedules()}
    assert names["analytics.lead_scoring"].task_path == "kontor.analytics.tasks.train_lead_scoring"


def test_the_board_reads_every_card_s_score_in_one_query(history, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scoring.train_and_score()
    client.force_login(history["owner"])
    with CaptureQueriesContext(connection) as queries:
        board = client.get(history["pipeline"].get_absolute_url())
    assert board.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "analytics_dealscore" in q["sql"]]
    assert len(reads) == 1
