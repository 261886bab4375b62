from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_clear_activity_rollup")]

    operations = [
        migrations.AlterModelOptions(
            name="activitydaycount",
            options={
                "ordering": [
                    "day",
                    "author_id",
                    "contact_owner_id",
                    "organization_owner_id",
                    "about_contact",
                ]
            },
        ),
        migrations.RemoveField(model_name="activitydaycount", name="kind"),
        migrations.AddField(
            model_name="activitydaycount",
            name="contact_owner_id",
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="activitydaycount",
            name="organization_owner_id",
            field=models.IntegerField(blank=True, null=True),
        ),
        # The table is empty (0003): the default fills no row.
        migrations.AddField(
            model_name="activitydaycount",
            name="about_contact",
            field=models.BooleanField(default=True),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="activitydaycount",
            index=models.Index(fields=["contact_owner_id", "day"], name="activity_day_count_owner"),
        ),
    ]
