"""The default roles get their levels for products, invoices and the other
sales types where those differ from the roles' "*" levels
(kontor.sales.records ``role_levels``). Roles an administrator already gave
levels for a type keep them."""

from django.db import migrations

KEYS = ["deal", "quote", "order", "invoice", "product"]


def grant(apps, schema_editor):
    from kontor.access.defaults import add_registered_levels

    add_registered_levels(apps.get_model("access", "Role"), KEYS)


def revoke(apps, schema_editor):
    from kontor.access.defaults import remove_registered_levels

    remove_registered_levels(apps.get_model("access", "Role"), KEYS)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0002_create_default_pipeline"),
        ("access", "0002_create_default_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
