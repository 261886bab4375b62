"""Triggers that make the database refuse to change or delete audit entries
(kontor.audit.locking explains the PostgreSQL and SQLite variants)."""

from django.db import migrations


def create(apps, schema_editor):
    from kontor.audit.locking import create_triggers

    create_triggers(schema_editor.connection)


def drop(apps, schema_editor):
    from kontor.audit.locking import drop_triggers

    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_create_audit_entries")]

    operations = [migrations.RunPython(create, drop)]
