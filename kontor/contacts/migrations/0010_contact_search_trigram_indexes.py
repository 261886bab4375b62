"""Trigram indexes for the substring search of the contact search table on
PostgreSQL (see kontor/contacts/search.py). The texts are folded already,
so the columns themselves are indexed; the statistics target is raised as
for the other search columns (0004), so that the planner's guess of how
many rows ``LIKE '%word%'`` matches is close. On SQLite the table's FTS5
index is made after every migrate instead; the rows are filled then too."""

from django.db import migrations

TABLE = "contacts_contactsearch"
COLUMNS = ["names", "organization_key", "emails", "phones"]
STATISTICS = 1000


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_{column}_trgm ON {TABLE} "
            f"USING gin ({column} gin_trgm_ops)"
        )
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STATISTICS {STATISTICS}"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_contact_search_table")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
