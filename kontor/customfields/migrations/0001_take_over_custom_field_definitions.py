"""Custom field definitions move from the contacts app into their own app
(every record type may have custom fields now). The table and its rows stay
as they are; only Django's idea of who owns them changes here, and the
table takes the new app's name in 0002."""

import uuid6
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contacts", "0005_list_indexes_by_stage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CustomFieldDefinition",
                    fields=[
                        ("id", models.UUIDField(default=uuid6.uuid7, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("object_type", models.CharField(max_length=32, verbose_name="object type")),
                        ("key", models.SlugField(help_text="Name of the field in the API, e.g. customer_number.", max_length=64, verbose_name="key")),
                        ("label", models.CharField(max_length=128, verbose_name="label")),
                        ("field_type", models.CharField(choices=[("text", "Text"), ("number", "Number"), ("date", "Date"), ("boolean", "Yes/no"), ("choice", "Choice")], max_length=16, verbose_name="type")),
                        ("choices", models.JSONField(blank=True, default=list, help_text='Allowed values for a choice field, as a JSON list: ["A", "B"].', verbose_name="choices")),
                        ("required", models.BooleanField(default=False, verbose_name="required")),
                        ("help_text", models.CharField(blank=True, max_length=255, verbose_name="help text")),
                        ("category", models.CharField(choices=[("standard", "standard"), ("personal", "personal"), ("financial", "financial"), ("special", "special (Art. 9/10 GDPR)")], default="standard", help_text="Roles grant reading and editing per category; financial and special values are stored encrypted.", max_length=16, verbose_name="sensitivity")),
                        ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                    ],
                    options={
                        "verbose_name": "custom field",
                        "verbose_name_plural": "custom fields",
                        "ordering": ["object_type", "position", "key"],
                        "db_table": "contacts_customfielddefinition",
                        "constraints": [models.UniqueConstraint(fields=("object_type", "key"), name="customfield_key_unique_per_type")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
