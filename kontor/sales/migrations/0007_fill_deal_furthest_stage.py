"""Every deal's furthest stage, from its stage history and its current
stage, a batch of deals at a time."""

from django.db import migrations
from django.db.models import F, OuterRef, Q, Subquery

BATCH = 5000


def fill(apps, schema_editor):
    Deal = apps.get_model("sales", "Deal")
    DealStageChange = apps.get_model("sales", "DealStageChange")
    furthest_in_history = (
        DealStageChange.objects.filter(
            deal_id=OuterRef("pk"), to_stage__pipeline_id=OuterRef("pipeline_id")
        )
        .exclude(to_stage__kind="lost")
        .order_by("-to_stage__position", "-id")
        .values("to_stage_id")[:1]
    )
    ids = list(Deal.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        Deal.objects.filter(pk__in=batch).update(furthest_stage_id=Subquery(furthest_in_history))
        Deal.objects.filter(pk__in=batch).exclude(stage__kind="lost").filter(
            Q(furthest_stage__isnull=True) | Q(stage__position__gt=F("furthest_stage__position"))
        ).update(furthest_stage_id=F("stage_id"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_deal_furthest_stage")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
