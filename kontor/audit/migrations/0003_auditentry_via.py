"""Audit entries name what acted for the actor (a workflow rule). On SQLite
adding a column rebuilds the table, which loses its append-only triggers:
they are made again after it (and after the reverse)."""

from django.db import migrations, models


def lock_again(apps, schema_editor):
    from kontor.audit.locking import create_triggers, drop_triggers

    drop_triggers(schema_editor.connection)
    create_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_make_audit_entries_append_only"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, lock_again),
        migrations.AddField(
            model_name="auditentry",
            name="via",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=200, verbose_name="via"
            ),
        ),
        migrations.RunPython(lock_again, migrations.RunPython.noop),
    ]
