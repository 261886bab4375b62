from django.db import migrations, models

# Every existing row gets its contact's display name in one statement (a
# million rows: a minute or so on PostgreSQL); new rows get it from the
# services that write them.
FILL = """
UPDATE contacts_contactsearch SET display_name = (
    SELECT display_name FROM contacts_contact WHERE contacts_contact.id = contacts_contactsearch.contact_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0014_restricted_contacts_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactsearch",
            name="display_name",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="contactsearch",
            index=models.Index(fields=["display_name", "contact"], name="contactsearch_display_name"),
        ),
    ]
