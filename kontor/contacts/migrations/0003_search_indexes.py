"""Trigram indexes for substring search on PostgreSQL (see kontor/contacts/search.py).
On SQLite the FTS5 search tables are created after every migrate instead."""

from django.db import migrations

# (table, column): icontains compares UPPER(column), so that is what is indexed.
SEARCH_COLUMNS = [
    ("contacts_contact", "display_name"),
    ("contacts_contact", "first_name"),
    ("contacts_contact", "last_name"),
    ("contacts_organization", "name"),
    ("contacts_organization", "domain"),
    ("contacts_organization", "website"),
    ("contacts_emailaddress", "normalized"),
    ("contacts_emailaddress", "address"),
    ("contacts_phonenumber", "digits"),
]


def _index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCH_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index_name(table, column)} ON {table} "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCH_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_sensitive_custom_fields")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
