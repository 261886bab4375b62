"""``kontor generate``: synthetic CRM data at scale."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kontor.perf.generate import Scale, generate


class Command(BaseCommand):
    help = (
        "Add realistic synthetic organizations, contacts and activities to the "
        "configured database (COPY on PostgreSQL, batched inserts on SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True)
        parser.add_argument("--organizations", type=int, required=True)
        parser.add_argument("--activities", type=int, required=True)
        parser.add_argument(
            "--deals",
            type=int,
            default=0,
            help="Also this many deals with their stage histories, quotes (four in ten), orders "
            "and invoices.",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--users",
            type=int,
            default=0,
            help="Also create this many sales reps in teams of eight (users rep-1, rep-2, …); "
            "the records are spread over all active users.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, contacts, organizations, activities, seed, users, deals, **options):
        if min(contacts, organizations, activities, users, deals) < 0:
            raise CommandError("Counts must not be negative.")
        if activities and not contacts:
            raise CommandError("Activities need contacts to belong to.")
        if deals and not contacts:
            raise CommandError("Deals need contacts to belong to.")
        bar = tqdm(unit=" rows", unit_scale=True, disable=options["no_progress"], file=sys.stderr)

        def progress(label: str, rows: int) -> None:
            bar.set_description(label, refresh=False)
            bar.update(rows)

        started = time.perf_counter()
        result = generate(
            Scale(
                contacts=contacts,
                organizations=organizations,
                activities=activities,
                seed=seed,
                users=users,
                deals=deals,
            ),
            progress,
        )
        elapsed = time.perf_counter() - started
        bar.close()
        total = sum(result.counts.values())
        for label, count in result.counts.items():
            self.stdout.write(f"{label:>16}: {count:>12,}")
        self.stdout.write(
            f"{'total':>16}: {total:>12,} rows in {elapsed:,.1f} s "
            f"= {total / max(elapsed, 1e-9):,.0f} rows/s"
        )
