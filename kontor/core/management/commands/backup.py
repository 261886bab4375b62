"""``kontor backup FILE``: a consistent backup of the running database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kontor.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database to FILE while Kontor keeps running "
        "(SQLite: a SQLite file; PostgreSQL: pg_dump custom format). Restore it with "
        "`kontor restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            backup(file, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {file.resolve()} ({file.stat().st_size} bytes).")
