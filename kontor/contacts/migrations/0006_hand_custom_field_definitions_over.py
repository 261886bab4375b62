"""Custom field definitions now belong to kontor.customfields (see its
migration 0001); the table is kept, only Django's state forgets it here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_list_indexes_by_stage"),
        ("customfields", "0001_take_over_custom_field_definitions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CustomFieldDefinition")],
            database_operations=[],
        ),
    ]
