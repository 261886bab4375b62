"""Drop the substring indexes of contacts' first and last names.

Contacts are searched through their search table (contacts_contactsearch,
migration 0009) since then, and nothing reads these any more; each cost
every write of a contact an index update (PostgreSQL: trigram GIN indexes;
SQLite: the FTS5 table ``contacts_contact_fts`` and its three triggers).
The trigram index of ``display_name`` stays: picking a person for a data
protection request matches that column. Reversed, PostgreSQL gets its
indexes back; on SQLite the search code of that time makes its FTS5 tables
again after ``migrate``."""

from django.db import migrations

DROPPED = ["first_name", "last_name"]
STATISTICS = 1000


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for column in DROPPED:
            schema_editor.execute(f"DROP INDEX IF EXISTS contacts_contact_{column}_trgm")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS contacts_contact_fts_{suffix}")
        schema_editor.execute("DROP TABLE IF EXISTS contacts_contact_fts")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in DROPPED:
        index = f"contacts_contact_{column}_trgm"
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON contacts_contact "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )
        schema_editor.execute(f"ALTER INDEX {index} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0012_list_order_by_last_change_indexes")]

    operations = [migrations.RunPython(drop_indexes, create_indexes)]
