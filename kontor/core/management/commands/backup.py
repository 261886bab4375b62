"""``kontor backup FILE``: a consistent backup of the running Kontor."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kontor.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the attached files (local storage) "
        "to FILE while Kontor keeps running. Restore it with `kontor restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            outcome = backup(file, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {file.resolve()} ({file.stat().st_size} bytes): the database "
            f"and {outcome.files} attached files ({outcome.file_bytes} bytes)."
        )
        if outcome.file_storage != "local":
            self.stdout.write(
                "Attached files are kept in S3 storage and are not in this backup: back up the "
                "bucket by its own means (versioning, replication)."
            )
        if outcome.encryption_keys:
            self.stdout.write(
                "Its encrypted values need the encryption key with fingerprint "
                f"{', '.join(outcome.encryption_keys)} (KONTOR_ENCRYPTION_KEY or "
                "var/encryption_key). The key is not in the backup: keep it safe, apart from it."
            )
