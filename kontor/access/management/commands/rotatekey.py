"""``kontor rotatekey``: re-encrypt every encrypted value under a new key.

With the key in ``var/encryption_key`` (no KONTOR_ENCRYPTION_KEY set): a new
key is generated and put first in the file (the old one stays after it while
the values are re-encrypted, so nothing becomes unreadable if the command is
interrupted), every value is re-encrypted, then the old key is removed.

With KONTOR_ENCRYPTION_KEY: put the new key first ("new,old"), run this
command, then remove the old key from the setting."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kontor.access import keys


class Command(BaseCommand):
    help = "Re-encrypt all encrypted values (sensitive custom fields, integration secrets)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-old-key",
            action="store_true",
            help="Key file only: keep the previous keys after the new one.",
        )

    def handle(self, *args, keep_old_key: bool, **options):
        current = [k.strip() for k in settings.KONTOR_ENCRYPTION_KEY.split(",") if k.strip()]
        if os.environ.get("KONTOR_ENCRYPTION_KEY", "").strip():
            if len(current) < 2:
                self.stdout.write(
                    "KONTOR_ENCRYPTION_KEY holds one key: everything is re-encrypted with it. "
                    "To rotate, put the new key first (KONTOR_ENCRYPTION_KEY=new,old)."
                )
            count = keys.reencrypt_all(self._progress)
            self.stdout.write(
                self.style.SUCCESS(f"Re-encrypted {count} values with the first key.")
            )
            if len(current) > 1:
                self.stdout.write("Now remove the old keys from KONTOR_ENCRYPTION_KEY.")
            return
        key_file = settings.KONTOR_ENCRYPTION_KEY_FILE
        if not key_file.exists():
            raise CommandError(f"{key_file} does not exist and KONTOR_ENCRYPTION_KEY is not set.")
        new = keys.new_key()
        keys.write_key_file(key_file, [new, *current])
        keys.use_keys([new, *current])
        count = keys.reencrypt_all(self._progress)
        if not keep_old_key:
            keys.write_key_file(key_file, [new])
            keys.use_keys([new])
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {count} values with a new key in {key_file}.")
        )

    def _progress(self, column: str, count: int) -> None:
        self.stdout.write(f"  {column}: {count}")
