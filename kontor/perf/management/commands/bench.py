"""``kontor bench``: latency of Kontor's hot paths on the configured database."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kontor.perf.bench import format_table, run
from kontor.perf.compare import DEFAULT_THRESHOLD, format_comparison
from kontor.perf.compare import compare as compare_reports
from kontor.perf.duplicates_bench import duplicates_bench, format_duplicates
from kontor.perf.export_bench import export_bench, format_export
from kontor.perf.import_bench import format_import, import_bench
from kontor.perf.planted_duplicates import format_planted, planted_duplicates_bench
from kontor.perf.sync_bench import format_sync, sync_bench
from kontor.perf.warehouse_bench import format_warehouse, warehouse_bench


class Command(BaseCommand):
    help = (
        "Measure lookups, search, the 360° overview, list and timeline pages and "
        "contact creation (p50/p95/p99, ops/s) against a bare-driver baseline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_file", help="Also write the figures to FILE.")
        parser.add_argument(
            "--seconds", type=float, default=5.0, help="Time per operation (default 5)."
        )
        parser.add_argument("--no-http", action="store_true", help="Skip the HTTP measurements.")
        parser.add_argument(
            "--rate-limit",
            action="store_true",
            help="Let the HTTP server count every request against the API rate limit, as in "
            "production (default: the benchmark's server runs without it).",
        )
        parser.add_argument(
            "--user",
            help="Act as this user (e.g. a sales rep, to measure with the access rules applied); "
            "default: a superuser of the benchmark's own.",
        )
        parser.add_argument(
            "--compare",
            metavar="OLD.json",
            help="Then print each operation's change against an earlier --json report "
            "(p50/p95/p99 ratios new/old) and mark the regressions.",
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help="With --compare: a regression is p50 and p95 above this many times the old "
            f"figures (default {DEFAULT_THRESHOLD}).",
        )
        parser.add_argument(
            "--sync",
            type=int,
            metavar="N",
            help="Instead: push N organizations (at most 10 000) as one ERP sync batch, twice "
            "(the second run must be all unchanged). Adds N organizations under a new source.",
        )
        parser.add_argument(
            "--sync-invoices",
            type=int,
            default=0,
            metavar="M",
            help="With --sync: then push M invoices of those organizations (batches of "
            "10 000), twice.",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=1,
            metavar="R",
            help="With --sync: do it all R times, each under a new source; report medians.",
        )
        parser.add_argument(
            "--export",
            action="store_true",
            help="Instead: export every contact the user may see as CSV through the API, "
            "five times (median time, rows/s, peak memory).",
        )
        parser.add_argument(
            "--duplicates",
            type=int,
            metavar="N",
            help="Instead: add N generated contacts, a tenth of them planted duplicates, scan "
            "all contacts for duplicates and report the scan time, recall and precision.",
        )
        parser.add_argument(
            "--duplicates-planted",
            type=int,
            metavar="N",
            help="Instead: on a database that holds its contacts already (kontor generate), "
            "plant a second record of N contacts picked at random (respelled surname with the "
            "email address in capitals, the same phone number with a typo in the name, or the "
            "same name at another mail provider), scan all contacts for duplicates and report "
            "the scan time, recall, precision and peak memory; the planted contacts are removed "
            "afterwards unless --keep.",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="With --duplicates-planted: keep the planted contacts (their notes say whose "
            "duplicate they are).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=7,
            help="With --duplicates-planted: the seed of the contacts picked and the ways "
            "they are planted (default 7).",
        )
        parser.add_argument(
            "--import",
            dest="import_rows",
            type=int,
            metavar="N",
            help="Instead: import a German Excel CSV of N contacts (Windows-1252, semicolons, "
            "every hundredth row rejected) as kontor import does (rows/s, peak memory). Adds N "
            "contacts.",
        )
        parser.add_argument(
            "--import-processes",
            type=int,
            metavar="P",
            help="With --import: the number of processes that run the batches (default: as "
            "kontor import decides, two for a large file on PostgreSQL).",
        )
        parser.add_argument(
            "--warehouse",
            type=int,
            metavar="N",
            help="Instead: add N generated activities (with contacts and organizations for "
            "them) and export fact_activity whole three times (kontor warehouse).",
        )

    def handle(
        self,
        *args,
        json_file,
        seconds,
        no_http,
        rate_limit,
        user,
        compare: str | None,
        threshold: float,
        sync,
        sync_invoices,
        repeat,
        export,
        warehouse,
        duplicates,
        duplicates_planted,
        keep,
        seed,
        import_rows,
        import_processes,
        **options,
    ):
        if keep and not duplicates_planted:
            raise CommandError("--keep goes with --duplicates-planted.")
        if duplicates_planted is not None and duplicates_planted < 1:
            raise CommandError("--duplicates-planted needs a number of contacts above 0.")
        if compare and (
            duplicates or duplicates_planted or import_rows or warehouse or export or sync
        ):
            raise CommandError("--compare compares the latency benchmark's reports only.")
        old_report = _read_report(compare, threshold) if compare else None
        if user and not get_user_model().objects.filter(username=user).exists():
            raise CommandError(f"There is no user {user!r}.")
        if duplicates or import_rows:
            if duplicates:
                report = duplicates_bench(
                    duplicates, username=user, log=lambda m: self.stderr.write(m)
                )
                self.stdout.write(format_duplicates(report))
            else:
                report = import_bench(
                    import_rows,
                    username=user,
                    processes=import_processes,
                    log=lambda m: self.stderr.write(m),
                )
                self.stdout.write(format_import(report))
            if json_file:
                Path(json_file).write_text(json.dumps(report, indent=2))
            return
        if duplicates_planted:
            report = planted_duplicates_bench(
                duplicates_planted, seed=seed, keep=keep, log=lambda m: self.stderr.write(m)
            )
            self.stdout.write(format_planted(report))
            if json_file:
                Path(json_file).write_text(json.dumps(report, indent=2))
            return
        if warehouse:
            report = warehouse_bench(warehouse, log=lambda m: self.stderr.write(m))
            self.stdout.write(format_warehouse(report))
            if json_file:
                Path(json_file).write_text(json.dumps(report, indent=2))
            return
        if export:
            report = export_bench(username=user, log=lambda m: self.stderr.write(m))
            self.stdout.write(format_export(report))
            if json_file:
                Path(json_file).write_text(json.dumps(report, indent=2))
            return
        if sync:
            report = sync_bench(
                sync,
                invoices=sync_invoices,
                repeat=repeat,
                username=user,
                log=lambda m: self.stderr.write(m),
            )
            self.stdout.write(format_sync(report))
            if json_file:
                Path(json_file).write_text(json.dumps(report, indent=2))
            return
        report = run(
            seconds,
            http=not no_http,
            rate_limit=rate_limit,
            username=user,
            log=lambda m: self.stderr.write(m),
        )
        self.stdout.write(format_table(report))
        if json_file:
            Path(json_file).write_text(json.dumps(report, indent=2, default=str))
            self.stdout.write(f"\nWrote {json_file}")
        if old_report is not None:
            self.stdout.write(
                "\n" + format_comparison(compare_reports(old_report, report, threshold=threshold))
            )


def _read_report(path: str, threshold: float) -> dict:
    """An earlier ``--json`` report of the latency benchmark, checked before
    the run, so that a wrong file does not cost a whole run first."""
    if threshold <= 1:
        raise CommandError("--threshold must be above 1 (e.g. 1.25 for 25 % slower).")
    try:
        report = json.loads(Path(path).read_text())
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    except ValueError as error:
        raise CommandError(f"{path} is not JSON: {error}.") from None
    if not isinstance(report, dict) or not isinstance(report.get("operations"), dict):
        raise CommandError(f"{path} is no report of kontor bench --json (it has no operations).")
    return report
