"""``kontor rebuildsearch``: fill the contact search table anew."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from kontor.contacts.search import ensure_sqlite_search_index, rebuild_contact_search


class Command(BaseCommand):
    help = (
        "Write the contact search table anew from the contacts, their organizations, email "
        "addresses and phone numbers (the services keep it in step; this is for data written "
        "past them, e.g. by a bulk load or a restore from elsewhere)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_contact_search()
        ensure_sqlite_search_index(connection, rebuild=True)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{rows} contacts in the search table ({elapsed:.1f} s).")
