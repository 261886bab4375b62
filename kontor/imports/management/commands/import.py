"""``kontor import FILE --type contacts [--mapping FILE.json] [--update-by
email] [--dry-run] [--user NAME]`` and ``kontor import --resume ID``
(docs/imports.md): run an import in this process with a progress bar, then
print the counts and where the error report is. Exit 0 when the file was
read (rejected rows included), 2 when it cannot be used."""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.imports import services
from kontor.imports.models import Import, ImportStatus, ImportType

UNUSABLE = 2


class Command(BaseCommand):
    help = "Import contacts or organizations from a CSV, XLSX or vCard file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", metavar="FILE")
        parser.add_argument("--type", choices=ImportType.values, default=ImportType.CONTACTS)
        parser.add_argument(
            "--mapping", metavar="FILE.json", help='{"column header": "target"}; others guessed.'
        )
        parser.add_argument(
            "--update-by",
            choices=["create_only", "email", "external_id", "phone"],
            default="create_only",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none.")
        parser.add_argument(
            "--user", help="Import as this user (default: the first active superuser)."
        )
        parser.add_argument("--resume", metavar="ID", help="Go on with an import that stopped.")
        parser.add_argument("--report", metavar="FILE", help="Where to write the error report.")

    def _fail(self, message: str) -> None:
        raise CommandError(message, returncode=UNUSABLE)

    def handle(self, *args, file, resume, report, **options):
        if resume:
            data_import = Import.objects.select_related("created_by").filter(pk=resume).first()
            if data_import is None:
                raise CommandError(f"There is no import {resume}.")
        elif not file:
            raise CommandError("Name a FILE to import, or --resume ID.")
        else:
            data_import = self._create(Path(file), options)
        with tqdm(total=data_import.rows_total, unit="rows", file=sys.stderr, disable=None) as bar:

            def progress(done: int, total: int | None) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            data_import = services.import_run(data_import, progress=progress)
        if data_import.status == ImportStatus.FAILED:
            self._fail(f"{data_import.filename}: {data_import.error}")
        self._summary(data_import, report)

    def _create(self, path: Path, options) -> Import:
        if not path.is_file():
            self._fail(f"{path}: no such file.")
        actor = self._actor(options["user"])
        columns = {}
        if options["mapping"]:
            try:
                columns = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{options['mapping']}: {exc}") from exc
        update_by = "" if options["update_by"] == "create_only" else options["update_by"]
        try:
            with path.open("rb") as upload:
                return services.import_create(
                    actor=actor,
                    upload=upload,
                    filename=path.name,
                    record_type=options["type"],
                    columns=columns,
                    update_by=update_by,
                    dry_run=options["dry_run"],
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except FieldErrors as exc:
            if "file" in exc.errors:
                self._fail(f"{path}: {' '.join(exc.errors['file'])}")
            raise CommandError(str(exc)) from exc

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            actor = users.filter(username=username).first()
            if actor is None:
                raise CommandError(f"There is no active user {username!r}.")
            return actor
        actor = users.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("There is no active superuser; name one with --user.")
        return actor

    def _summary(self, data_import: Import, report: str | None) -> None:
        dry = " (dry run: nothing written)" if data_import.dry_run else ""
        self.stdout.write(
            f"Import {data_import.pk}{dry}: {data_import.rows_done} rows: "
            f"{data_import.created} created, {data_import.updated} updated, "
            f"{data_import.unchanged} unchanged, {data_import.rejected} rejected."
        )
        if not data_import.rejected:
            return
        target = Path(report or f"{Path(data_import.filename).stem}-errors-{data_import.pk}.csv")
        with target.open("wb") as out:
            for chunk in services.error_report_chunks(data_import):
                out.write(chunk)
        self.stdout.write(f"Error report: {target.resolve()}")
