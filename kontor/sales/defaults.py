"""The pipeline Kontor starts with: new business, from qualification to won
and lost. Made by the data migration 0002_create_default_pipeline and again
into an empty pipeline table after ``kontor flush`` (as the default roles)."""

from typing import Any

import uuid6
from django.utils import timezone

DEFAULT_PIPELINE = "New business"
DEFAULT_STAGES = [
    # name (kontor.sales.models.DEFAULT_NAMES, translated when shown), probability, kind
    ("Qualification", 10, "open"),
    ("Needs analysis", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def create_default_pipeline(pipeline_model: Any, stage_model: Any) -> None:
    if pipeline_model.objects.exists():
        return
    now = timezone.now()
    pipeline = pipeline_model.objects.create(
        id=uuid6.uuid7(), name=DEFAULT_PIPELINE, position=0, created_at=now, updated_at=now
    )
    for position, (name, probability, kind) in enumerate(DEFAULT_STAGES):
        stage_model.objects.create(
            id=uuid6.uuid7(),
            pipeline=pipeline,
            name=name,
            probability=probability,
            kind=kind,
            position=position,
            created_at=now,
            updated_at=now,
        )


def restore_default_pipeline(sender: Any, **kwargs: Any) -> None:
    """``post_migrate`` receiver: an empty pipeline table (a new or flushed
    database) gets the default pipeline again."""
    from kontor.sales.models import Pipeline, Stage

    create_default_pipeline(Pipeline, Stage)
