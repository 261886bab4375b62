"""The default retention rules of the record types (``RetentionSpec.defaults``,
docs/privacy.md), made once and switched off: the data protection officer
checks each rule's preview and switches it on."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from kontor.core.records import record_types

    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for kind in record_types():
        if kind.retention is None:
            continue
        for default in kind.retention.defaults:
            RetentionRule.objects.get_or_create(
                record_type=kind.key,
                category=str(default.category),
                defaults={
                    "months": default.months,
                    "legal_ground": default.legal_ground,
                    "enabled": False,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_retention_rules_and_runs")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
