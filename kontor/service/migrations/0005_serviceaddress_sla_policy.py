# A service address names its SLA policy by a key to the policies of the
# sla app (the integer column stood in for it until both apps met).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_ticket_sla_policy"),
        ("sla", "0001_create_calendars_and_policies"),
    ]

    operations = [
        migrations.RemoveField(model_name="serviceaddress", name="sla_policy_id"),
        migrations.AddField(
            model_name="serviceaddress",
            name="sla_policy",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="service_addresses",
                to="sla.slapolicy",
                verbose_name="SLA policy",
            ),
        ),
    ]
