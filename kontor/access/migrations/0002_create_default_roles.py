"""The roles Kontor starts with. Administrators change them in the admin;
``kontor.access.defaults`` re-creates them only into an empty role table
(e.g. after ``kontor flush``)."""

from django.db import migrations


def create(apps, schema_editor):
    from kontor.access.defaults import create_default_roles

    create_default_roles(apps.get_model("access", "Role"))


def remove(apps, schema_editor):
    from kontor.access.defaults import DEFAULT_ROLES

    Role = apps.get_model("access", "Role")
    Role.objects.filter(slug__in=[role["slug"] for role in DEFAULT_ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_create_teams_roles_and_shares")]

    operations = [migrations.RunPython(create, remove)]
