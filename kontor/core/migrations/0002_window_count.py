# The counts of the API's rate limits (kontor.core.counters). On PostgreSQL
# the table is unlogged: its writes skip the write-ahead log, so a count's
# commit does not wait for the disk, and a crash empties it.

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_windowcount SET UNLOGGED")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_create_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="WindowCount",
            fields=[
                ("key", models.CharField(max_length=250, primary_key=True, serialize=False)),
                ("window_end", models.BigIntegerField()),
                ("count", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop, elidable=False),
    ]
