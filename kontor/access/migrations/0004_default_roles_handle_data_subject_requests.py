"""The administrator and data protection officer default roles handle the
requests of data subjects (kontor.access.defaults)."""

from django.db import migrations

SLUGS = ["administrator", "data-protection-officer"]


def grant(apps, schema_editor):
    Role = apps.get_model("access", "Role")
    Role.objects.filter(slug__in=SLUGS).update(data_subject_requests=True)


def revoke(apps, schema_editor):
    Role = apps.get_model("access", "Role")
    Role.objects.filter(slug__in=SLUGS).update(data_subject_requests=False)


class Migration(migrations.Migration):
    dependencies = [("access", "0003_role_data_subject_requests")]

    operations = [migrations.RunPython(grant, revoke)]
