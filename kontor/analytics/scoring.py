"""Lead scoring: a logistic regression trained on the won and lost deals
scores the open ones (docs/analytics.md, "Lead scoring").

The features are standardized, so a feature's contribution to a deal's
score is its coefficient times the deal's standardized value; the three
largest (by size) are the deal's reasons. Only fields whose category is
standard are ever features: a deal's amount or a custom field an
administrator has made personal, financial or special is left out.

Off with ``KONTOR_LEAD_SCORING = False``: nothing is trained and no score
is shown."""

import datetime
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kontor.access.models import FieldCategory
from kontor.activities.models import Activity, Kind
from kontor.analytics.models import DealScore
from kontor.core.records import Category, record_type
from kontor.customfields.selectors import definitions_for
from kontor.sales.models import Deal, DealStageChange, Stage, StageKind

SEED = 42
# Fewer closed deals (or only won, or only lost ones) train no model.
MINIMUM_DEALS = 20
RECENT_DAYS = 30
ACTIVITY_KINDS = (Kind.CALL, Kind.MEETING, Kind.EMAIL)
# Lead sources seen fewer times than this in the history count as "other".
MINIMUM_SOURCE_DEALS = 3
REASONS = 3

LABELS = {
    "amount": _("Amount"),
    "stage_position": _("Stage reached"),
    "age_days": _("Age of the deal"),
    "recent_call": _("Calls in the last 30 days"),
    "recent_meeting": _("Meetings in the last 30 days"),
    "recent_email": _("Emails in the last 30 days"),
    "activities": _("Activities in total"),
    "days_since_activity": _("Days since the last activity"),
    "source_other": _("Other lead source"),
}


def enabled() -> bool:
    return bool(getattr(settings, "KONTOR_LEAD_SCORING", True))


def standard_fields() -> tuple[set[str], list[Any]]:
    """The deal's built-in fields whose category is standard (the
    administrator's setting, else the built-in default), and its custom
    field definitions of category standard."""
    deal = record_type("deal")
    categories = {spec.key: spec.category for spec in deal.fields}
    for name, category in FieldCategory.objects.filter(object_type="deal").values_list(
        "field", "category"
    ):
        spec = deal.field(name)
        if spec and category in spec.categories:
            categories[name] = category
    built_in = {name for name, category in categories.items() if category == Category.STANDARD}
    custom = [d for d in definitions_for("deal") if d.category == Category.STANDARD]
    return built_in, custom


@dataclass
class Features:
    """The design matrix of some deals: ``names`` are the columns."""

    names: list[str]
    rows: list[list[float]]
    deal_ids: list[uuid.UUID]
    labels: list[int] = field(default_factory=list)


@dataclass
class Spec:
    """Which features exist: fixed when the model is trained, so that open
    deals are described the same way."""

    amount: bool
    sources: list[str]
    custom: list[tuple[str, str]]  # (key, label) of standard number and yes/no fields

    def names(self) -> list[str]:
        names = ["amount"] if self.amount else []
        names += [
            "stage_position",
            "age_days",
            *(f"recent_{kind}" for kind in ACTIVITY_KINDS),
            "activities",
            "days_since_activity",
        ]
        names += [f"source:{source}" for source in self.sources]
        if self.sources:
            names.append("source_other")
        names += [f"custom:{key}" for key, _kind in self.custom]
        return names


def _source(value: str) -> str:
    return value.strip().lower()


def make_spec(deals: list[Deal]) -> Spec:
    built_in, custom = standard_fields()
    counts: dict[str, int] = defaultdict(int)
    if "source" in built_in:
        for deal in deals:
            if _source(deal.source):
                counts[_source(deal.source)] += 1
    return Spec(
        amount="amount" in built_in,
        sources=sorted(s for s, n in counts.items() if n >= MINIMUM_SOURCE_DEALS),
        custom=[(d.key, d.label) for d in custom if d.field_type in ("number", "boolean")],
    )


def _stage_positions(deals: list[Deal]) -> dict[uuid.UUID, float]:
    """How far each deal got through its pipeline's open stages, 0 to 1:
    the furthest open stage it was ever in (a closed deal's won or lost
    stage says nothing about it)."""
    open_stages = Stage.objects.filter(kind=StageKind.OPEN).values_list(
        "pk", "pipeline_id", "position"
    )
    position = {}
    last: dict[uuid.UUID, int] = defaultdict(int)
    for pk, pipeline_id, pos in open_stages:
        position[pk] = pos
        last[pipeline_id] = max(last[pipeline_id], pos)
    furthest: dict[uuid.UUID, int] = {}
    ids = [deal.pk for deal in deals]
    for start in range(0, len(ids), 1000):
        moves = DealStageChange.objects.filter(deal_id__in=ids[start : start + 1000]).values_list(
            "deal_id", "to_stage_id"
        )
        for deal_id, stage_id in moves:
            if stage_id in position:
                furthest[deal_id] = max(furthest.get(deal_id, 0), position[stage_id])
    result = {}
    for deal in deals:
        reached = furthest.get(deal.pk, 0)
        if deal.stage_id in position:
            reached = max(reached, position[deal.stage_id])
        top = last.get(deal.pipeline_id) or 1
        result[deal.pk] = reached / top
    return result


def _activities(deals: list[Deal]) -> dict[uuid.UUID, list[tuple[datetime.datetime, str]]]:
    """Each deal's logged activities (when, kind), oldest first."""
    found: dict[uuid.UUID, list] = defaultdict(list)
    ids = [deal.pk for deal in deals]
    for start in range(0, len(ids), 1000):
        rows = (
            Activity.objects.filter(linked_type="deal", linked_id__in=ids[start : start + 1000])
            .order_by("occurred_at")
            .values_list("linked_id", "occurred_at", "kind")
        )
        for deal_id, when, kind in rows:
            found[deal_id].append((when, kind))
    return found


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def describe(deals: list[Deal], spec: Spec, *, now: datetime.datetime) -> Features:
    """The features of ``deals`` as they were when each closed (a closed
    deal) or are ``now`` (an open one)."""
    positions = _stage_positions(deals)
    activities = _activities(deals)
    names = spec.names()
    rows = []
    for deal in deals:
        at = deal.closed_at if deal.status != StageKind.OPEN and deal.closed_at else now
        before = [(when, kind) for when, kind in activities.get(deal.pk, []) if when <= at]
        recent = at - datetime.timedelta(days=RECENT_DAYS)
        row = [math.log1p(float(deal.amount))] if spec.amount else []
        row.append(positions[deal.pk])
        row.append(max((at - deal.created_at).total_seconds(), 0) / 86400)
        for kind in ACTIVITY_KINDS:
            row.append(float(sum(1 for when, k in before if k == kind and when >= recent)))
        row.append(float(len(before)))
        last = before[-1][0] if before else deal.created_at
        row.append(max((at - last).total_seconds(), 0) / 86400)
        source = _source(deal.source)
        row += [1.0 if source == s else 0.0 for s in spec.sources]
        if spec.sources:
            row.append(1.0 if source and source not in spec.sources else 0.0)
        row += [_number((deal.custom or {}).get(key)) for key, _kind in spec.custom]
        rows.append(row)
    return Features(
        names=names,
        rows=rows,
        deal_ids=[deal.pk for deal in deals],
        labels=[1 if deal.status == StageKind.WON else 0 for deal in deals],
    )


def closed_deals() -> list[Deal]:
    return list(
        Deal.objects.filter(status__in=(StageKind.WON, StageKind.LOST)).order_by("created_at", "id")
    )


def open_deals() -> list[Deal]:
    return list(Deal.objects.filter(status=StageKind.OPEN).order_by("created_at", "id"))


def _trainable(features: Features) -> bool:
    return len(features.rows) >= MINIMUM_DEALS and len(set(features.labels)) == 2


def _model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED))


@dataclass
class Trained:
    model: Any
    spec: Spec
    names: list[str]
    version: str
    deals: int


def train(*, now: datetime.datetime | None = None) -> Trained | None:
    """A model on every won and lost deal; None when there are too few of
    either, or scoring is off."""
    if not enabled():
        return None
    now = now or timezone.now()
    deals = closed_deals()
    spec = make_spec(deals)
    features = describe(deals, spec, now=now)
    if not _trainable(features):
        return None
    model = _model()
    model.fit(features.rows, features.labels)
    version = f"lr-{now:%Y%m%d%H%M}-{len(deals)}"
    return Trained(model=model, spec=spec, names=features.names, version=version, deals=len(deals))


def explain(trained: Trained, rows: list[list[float]]) -> list[tuple[float, list[dict]]]:
    """Each row's probability of being won and its top reasons."""
    scaler, regression = trained.model[0], trained.model[-1]
    probabilities = trained.model.predict_proba(rows)[:, 1]
    scaled = scaler.transform(rows)
    coefficients = regression.coef_[0]
    # A custom field is named by its label (as it was when trained).
    labels = {f"custom:{key}": label for key, label in trained.spec.custom}
    answers = []
    for row, standardized, probability in zip(rows, scaled, probabilities, strict=True):
        effects = [
            (float(coef * value), name, raw)
            for coef, value, name, raw in zip(
                coefficients, standardized, trained.names, row, strict=True
            )
        ]
        effects.sort(key=lambda item: (-abs(item[0]), item[1]))
        reasons = [
            {
                "feature": name,
                "value": round(raw, 3),
                "effect": round(effect, 4),
                **({"label": labels[name]} if name in labels else {}),
            }
            for effect, name, raw in effects[:REASONS]
            if effect != 0
        ]
        answers.append((float(probability), reasons))
    return answers


def score_open_deals(trained: Trained, *, now: datetime.datetime | None = None) -> int:
    """Writes the score of every open deal; removes the scores of deals
    that are closed or gone. Returns how many deals were scored."""
    now = now or timezone.now()
    deals = open_deals()
    features = describe(deals, trained.spec, now=now)
    scored = explain(trained, features.rows) if features.rows else []
    with transaction.atomic():
        # Every score is written anew: closed and deleted deals lose theirs.
        DealScore.objects.all().delete()
        DealScore.objects.bulk_create(
            [
                DealScore(
                    deal_id=deal_id,
                    score=round(probability, 4),
                    reasons=reasons,
                    model_version=trained.version,
                    scored_at=now,
                )
                for deal_id, (probability, reasons) in zip(features.deal_ids, scored, strict=True)
            ],
            batch_size=1000,
        )
    return len(deals)


def train_and_score() -> dict[str, Any]:
    """The worker's nightly job and ``kontor leadscore train``."""
    if not enabled():
        return {"enabled": False, "trained": False, "scored": 0}
    trained = train()
    if trained is None:
        return {"enabled": True, "trained": False, "scored": 0}
    return {
        "enabled": True,
        "trained": True,
        "version": trained.version,
        "deals": trained.deals,
        "scored": score_open_deals(trained),
    }


@dataclass
class Evaluation:
    auc: float
    train_deals: int
    test_deals: int
    # (mean predicted score, share actually won, deals) per score bin
    bins: list[tuple[float, float, int]]
    features: list[str]


def evaluate(*, bins: int = 5, test_size: float = 0.3) -> Evaluation | None:
    """Trains on part of the won and lost deals (stratified, fixed seed) and
    measures the rest: the area under the ROC curve and how well the
    scores are calibrated. None when there are too few deals."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    now = timezone.now()
    deals = closed_deals()
    spec = make_spec(deals)
    features = describe(deals, spec, now=now)
    if not _trainable(features) or min(features.labels.count(0), features.labels.count(1)) < 2:
        return None
    x_train, x_test, y_train, y_test = train_test_split(
        features.rows,
        features.labels,
        test_size=test_size,
        random_state=SEED,
        stratify=features.labels,
    )
    model = _model()
    model.fit(x_train, y_train)
    predicted = model.predict_proba(x_test)[:, 1]
    groups: list[list[tuple[float, int]]] = [[] for _ in range(bins)]
    for probability, label in zip(predicted, y_test, strict=True):
        groups[min(int(probability * bins), bins - 1)].append((float(probability), label))
    reliability = [
        (
            sum(p for p, _label in group) / len(group),
            sum(label for _p, label in group) / len(group),
            len(group),
        )
        for group in groups
        if group
    ]
    return Evaluation(
        auc=float(roc_auc_score(y_test, predicted)),
        train_deals=len(y_train),
        test_deals=len(y_test),
        bins=reliability,
        features=features.names,
    )


# Reading --------------------------------------------------------------------


def reason_text(reason: dict) -> str:
    """A reason in the reader's language: "Meetings in the last 30 days: 4
    (raises the score)"."""
    name = reason.get("feature", "")
    if name.startswith("source:"):
        label = gettext("Lead source “%(source)s”") % {"source": name.split(":", 1)[1]}
    elif name.startswith("custom:"):
        label = reason.get("label") or name.split(":", 1)[1]
    else:
        label = str(LABELS.get(name, name))
    value = reason.get("value")
    if name.startswith("source") or value is None:
        shown = label
    else:
        shown = f"{label}: {value:g}" if isinstance(value, int | float) else label
    if reason.get("effect", 0) > 0:
        return gettext("%(reason)s (raises the score)") % {"reason": shown}
    return gettext("%(reason)s (lowers the score)") % {"reason": shown}


@dataclass(frozen=True)
class ShownScore:
    score: float
    reasons: list[str]
    model_version: str
    scored_at: datetime.datetime

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def scores_for(deal_ids: list[Any]) -> dict[Any, ShownScore]:
    """The scores of the given deals (ids the caller may see), in one
    query; empty when scoring is off."""
    if not enabled() or not deal_ids:
        return {}
    return {
        row.deal_id: ShownScore(
            score=row.score,
            reasons=[reason_text(r) for r in row.reasons],
            model_version=row.model_version,
            scored_at=row.scored_at,
        )
        for row in DealScore.objects.filter(deal_id__in=list(deal_ids))
    }


def _read_for_deals(user: Any, deals: list[Any]) -> dict[Any, ShownScore]:
    # The deals are those the sales pages already show the user.
    return scores_for([deal.pk for deal in deals])


def score_json(shown: ShownScore) -> dict[str, Any]:
    return {"score": shown.score, "score_reasons": shown.reasons}


def register_deal_score() -> None:
    """Shows the score on the deal's card, its page and the 360° view."""
    from kontor.sales.extras import DealExtra, register_deal_extra

    register_deal_extra(
        DealExtra(
            key="lead_score",
            read=_read_for_deals,
            card_template="analytics/_score_card.html",
            detail_template="analytics/_score_detail.html",
            as_json=score_json,
            position=10,
        )
    )
