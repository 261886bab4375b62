"""``kontor loadtest``: many colleagues at once against ``kontor serve``."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kontor.perf.load import format_report, run


class Command(BaseCommand):
    help = (
        "Play USERS colleagues for SECONDS with mixed CRM traffic (locust, headless) "
        "against a `kontor serve` started on a free port; report requests/s, "
        "p50/p95/p99 and errors. Exits with 1 if any request failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument(
            "--think",
            default="0.05-0.5",
            help="Seconds a colleague waits between requests, MIN-MAX (default 0.05-0.5: "
            "a stress test; people at work wait more like 2-10).",
        )
        parser.add_argument("--json", dest="json_file", help="Also write the figures to FILE.")

    def handle(self, *args, users, seconds, think, json_file, **options):
        if users < 1 or seconds < 1:
            raise CommandError("--users and --seconds must be at least 1.")
        try:
            low, high = (float(part) for part in think.split("-"))
        except ValueError:
            raise CommandError("--think must be MIN-MAX in seconds, e.g. 2-10.") from None
        if not 0 <= low <= high:
            raise CommandError("--think must be MIN-MAX with 0 <= MIN <= MAX.")
        try:
            report = run(users, seconds, think=(low, high), log=lambda m: self.stderr.write(m))
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_report(report))
        if json_file:
            Path(json_file).write_text(json.dumps(report, indent=2))
            self.stdout.write(f"\nWrote {json_file}")
        if report["total"]["failures"]:
            raise CommandError(f"{report['total']['failures']} requests failed.")
