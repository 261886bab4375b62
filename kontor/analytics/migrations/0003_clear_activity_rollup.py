"""The activity rollup's rows are keyed anew (by the owners who decide who
may read the activities, not by kind): the old rows are cleared and the
rollup marked as never counted whole, so that the dashboards count live
until the worker's next rebuild counts it in the new shape."""

from django.db import migrations


def clear(apps, schema_editor):
    apps.get_model("analytics", "ActivityDayCount").objects.all().delete()
    apps.get_model("analytics", "RollupDirtyDay").objects.all().delete()
    apps.get_model("analytics", "RollupState").objects.filter(name="activity_day_count").update(
        refreshed_at=None, rebuilt_at=None
    )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_deal_score")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
