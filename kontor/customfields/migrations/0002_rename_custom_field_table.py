from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customfields", "0001_take_over_custom_field_definitions"),
        ("contacts", "0006_hand_custom_field_definitions_over"),
    ]

    operations = [
        migrations.AlterModelTable(name="customfielddefinition", table=None),
    ]
