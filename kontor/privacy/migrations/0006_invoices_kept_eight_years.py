"""Invoices are kept 8 years, no longer 10: § 147 (3) AO and § 257 (4) HGB as
amended by the Fourth Bureaucracy Relief Act, in force since 1 January 2025.
The default invoice rule moves to 96 months where it is still as made (120
months, the old legal ground); a rule the data protection officer changed
stays as it is."""

from django.db import migrations

OLD_GROUND = "§ 257 (1) no. 4, (4) HGB; § 147 (1) no. 4, (3) AO (invoice)"
NEW_GROUND = "§ 257 (1) no. 4, (4) HGB; § 147 (1) no. 4, (3) AO (invoice: 8 years since 2025)"


def shorten(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.filter(
        record_type="invoice", category="", months=120, legal_ground=OLD_GROUND
    ).update(months=96, legal_ground=NEW_GROUND)


def lengthen(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.filter(
        record_type="invoice", category="", months=96, legal_ground=NEW_GROUND
    ).update(months=120, legal_ground=OLD_GROUND)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0005_request_execution_and_objection_purposes")]

    operations = [migrations.RunPython(shorten, lengthen)]
