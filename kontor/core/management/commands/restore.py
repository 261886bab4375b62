"""``kontor restore FILE``: restore a backup made by ``kontor backup``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kontor.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `kontor backup` into an empty database (one that at "
        "most went through `kontor migrate`) and an empty media folder. Stop the server "
        "first. --force replaces a database that holds data and adds to a media folder "
        "that holds files."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of a non-empty database; add to a non-empty media folder.",
        )

    def handle(self, *args, file: Path, database: str, force: bool, **options):
        try:
            outcome = restore(file, database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {file.resolve()}: the database and {outcome.files} attached files "
            f"({outcome.file_bytes} bytes). Run `kontor migrate` if this Kontor is newer than "
            "the backup."
        )
