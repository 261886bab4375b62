"""Finer statistics for the search indexes on PostgreSQL.

The planner estimates how many rows ``UPPER(column) LIKE '%term%'`` matches
from the statistics of the indexed expression. With the default 100 samples
in the histogram, a term that matches 3 % of a million email addresses is
estimated at a hundred rows, and the planner then reads all 30 000 matches
and sorts them instead of walking the list's sort order until a page is
full. A thousand samples make those estimates good enough to choose well."""

from django.db import migrations

STATISTICS = 1000
# The trigram indexes of 0003_search_indexes.
INDEXES = [
    "contacts_contact_display_name_trgm",
    "contacts_contact_first_name_trgm",
    "contacts_contact_last_name_trgm",
    "contacts_organization_name_trgm",
    "contacts_organization_domain_trgm",
    "contacts_organization_website_trgm",
    "contacts_emailaddress_normalized_trgm",
    "contacts_emailaddress_address_trgm",
    "contacts_phonenumber_digits_trgm",
]


def _set(schema_editor, target: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} ALTER COLUMN 1 SET STATISTICS {target}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_search_indexes")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _set(schema_editor, STATISTICS),
            lambda apps, schema_editor: _set(schema_editor, -1),
        )
    ]
