"""The default roles get their levels for tickets where those differ from
the roles' "*" levels (kontor.service.records ``role_levels``). Roles an
administrator already gave levels for tickets keep them."""

from django.db import migrations

KEYS = ["ticket"]


def grant(apps, schema_editor):
    from kontor.access.defaults import add_registered_levels

    add_registered_levels(apps.get_model("access", "Role"), KEYS)


def revoke(apps, schema_editor):
    from kontor.access.defaults import remove_registered_levels

    remove_registered_levels(apps.get_model("access", "Role"), KEYS)


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0001_create_tickets"),
        ("access", "0002_create_default_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
