"""``kontor warehouse export DIR [--full]`` and ``kontor warehouse query DIR
"SQL" [--csv]`` (docs/analytics.md)."""

from pathlib import Path

import duckdb
from django.core.management.base import BaseCommand, CommandError

from kontor.warehouse import query
from kontor.warehouse.export import export


class Command(BaseCommand):
    help = "Export the star schema as Parquet, or query an export with DuckDB."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        exporting = actions.add_parser("export", help="Write the star schema into DIR.")
        exporting.add_argument("directory", metavar="DIR")
        exporting.add_argument(
            "--full", action="store_true", help="Rewrite every table instead of adding changes."
        )
        querying = actions.add_parser("query", help="Run SQL over the export in DIR.")
        querying.add_argument("directory", metavar="DIR")
        querying.add_argument("sql", metavar="SQL")
        querying.add_argument("--csv", action="store_true", help="Print CSV instead of a table.")

    def handle(self, *args, action, directory, **options):
        folder = Path(directory)
        if action == "export":
            report = export(folder, full=options["full"], log=self.stderr.write)
            total = sum(report.rows.values())
            self.stdout.write(f"Run {report.run_id}: {total} rows in {len(report.rows)} tables.")
            return
        if not folder.is_dir():
            raise CommandError(f"{directory} is no folder.")
        try:
            columns, rows = query.run(folder, options["sql"])
        except duckdb.Error as error:
            raise CommandError(str(error)) from error
        render = query.as_csv if options["csv"] else query.as_table
        self.stdout.write(render(columns, rows), ending="")
