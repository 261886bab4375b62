"""After migrate a default pipeline exists: new business, with stages from
qualification to won and lost (shown in German to German users: the names
are translated until someone renames them)."""

from django.db import migrations


def create(apps, schema_editor):
    from kontor.sales.defaults import create_default_pipeline

    create_default_pipeline(apps.get_model("sales", "Pipeline"), apps.get_model("sales", "Stage"))


def remove(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Pipeline.objects.filter(name="New business", deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_create_sales")]

    operations = [migrations.RunPython(create, remove)]
