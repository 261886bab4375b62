"""System checks of the contact search, run by ``kontor migrate`` and
``kontor check --database default``."""

from typing import Any

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import connections

from kontor.contacts.models import ContactSearch

MB = 1024 * 1024


def buffers_warning(shared_buffers: int, search_table: int) -> CheckMessage | None:
    """A warning when PostgreSQL's own buffers (bytes) cannot hold the contact
    search table with its indexes (bytes): a broad search then reads most of
    its rows from the operating system's cache, up to twice as slow at a
    million contacts (docs/performance.md)."""
    if shared_buffers >= search_table:
        return None
    return CheckWarning(
        f"PostgreSQL's shared_buffers ({shared_buffers // MB} MB) cannot hold the contact "
        f"search table with its indexes ({search_table // MB} MB), so broad searches "
        "read it from the operating system's cache.",
        hint=(
            f"Set shared_buffers to at least {-(-search_table // MB)} MB in postgresql.conf "
            "(a quarter of the server's memory is the usual start) and restart PostgreSQL; "
            "see docs/performance.md"
        ),
        id="contacts.W001",
    )


@register(Tags.database)
def search_table_fits_buffers(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """``buffers_warning`` for each PostgreSQL database the check is run for."""
    messages = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_bytes(current_setting('shared_buffers')), "
                "coalesce(pg_total_relation_size(to_regclass(%s)), 0)",
                [ContactSearch._meta.db_table],
            )
            shared_buffers, search_table = cursor.fetchone()
        if message := buffers_warning(shared_buffers, search_table):
            messages.append(message)
    return messages
