from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("access", "0002_create_default_roles")]

    operations = [
        migrations.AddField(
            model_name="role",
            name="data_subject_requests",
            field=models.BooleanField(
                default=False,
                help_text="Records access, erasure and other GDPR requests and exports the data.",
                verbose_name="handles requests of data subjects",
            ),
        ),
    ]
