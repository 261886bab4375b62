"""After migrate a default pipeline exists: new business, with stages from
qualification to won and lost (shown in German to German users: the names
are translated until someone renames them)."""

import uuid6
from django.db import migrations
from django.utils import timezone

STAGES = [
    ("Qualification", 10, "open"),
    ("Needs analysis", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def create(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.exists():
        return
    now = timezone.now()
    pipeline = Pipeline.objects.create(
        id=uuid6.uuid7(), name="New business", position=0, created_at=now, updated_at=now
    )
    for position, (name, probability, kind) in enumerate(STAGES):
        Stage.objects.create(
            id=uuid6.uuid7(),
            pipeline=pipeline,
            name=name,
            probability=probability,
            kind=kind,
            position=position,
            created_at=now,
            updated_at=now,
        )


def remove(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Pipeline.objects.filter(name="New business", deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_create_sales")]

    operations = [migrations.RunPython(create, remove)]
