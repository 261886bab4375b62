import json
import re
import shutil
import sqlite3
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pytest

from tests.core.scratch import engine, kontor, query, scratch_database, table_checksums

COUNTS = (
    "SELECT (SELECT COUNT(*) FROM contacts_contact), (SELECT COUNT(*) FROM contacts_organization),"
    " (SELECT COUNT(*) FROM contacts_emailaddress), (SELECT COUNT(*) FROM auth_user)"
)


# Encrypted values and attached files, made through the services, beside the
# demo data: a financial and a special custom field, a phone system's secret,
# and files of every kind of byte (binary, empty lines, a large one).
SEED = r"""
import json, random
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from kontor.customfields.models import CustomFieldDefinition
from kontor.contacts.services import contact_create
from kontor.files.services import attachment_create
from kontor.telephony.services import phone_integration_create

admin = get_user_model().objects.get(username="admin")
for key, category in (("iban", "financial"), ("diagnosis", "special")):
    CustomFieldDefinition.objects.create(
        object_type="contact", key=key, label=key, field_type="text", category=category
    )
ute = contact_create(actor=admin, data={
    "first_name": "Ute", "last_name": "Ärztin",
    "custom": {"iban": "DE89 3704 0044 0532 0130 00", "diagnosis": "Grippe ✓"},
})
_pbx, secret = phone_integration_create(actor=admin, name="PBX", user=admin)
rng = random.Random(7)
for name, data in (
    ("binary.bin", bytes(range(256)) * 64),
    ("Lebenslauf äöü.txt", "Zeile\r\n\n".encode() * 100),
    ("large.pdf", rng.randbytes(3 * 1024 * 1024 + 17)),
):
    attachment_create(actor=admin, upload=SimpleUploadedFile(name, data), contact=ute)
"""

# The encrypted values as the Kontor reads them back (so with its key).
READ_SECRETS = """
import json
from kontor.access.sensitive import sensitive_values
from kontor.contacts.models import Contact
from kontor.core.encryption import decrypt
from kontor.telephony.models import PhoneIntegration

print(json.dumps({
    "contacts": {str(c.pk): sensitive_values(c, strict=True)
                 for c in Contact.objects.exclude(custom_sensitive="")},
    "phone_systems": {str(i.pk): decrypt(i.secret_encrypted)
                      for i in PhoneIntegration.objects.all()},
}, sort_keys=True))
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A migrated database with the demo customers, an administrator,
    encrypted values and attached files (shared by the tests here; only the
    last one adds rows, to auth_group). Its var/ is ``source.var_dir``."""
    path = tmp_path_factory.mktemp("source")
    with scratch_database(path, "source", migrated=True) as url:
        kontor("start", "--no-serve", url=url, var_dir=path)
        kontor("shell", "-c", SEED, url=url, var_dir=path)
        yield Source(url, path)


class Source(str):
    """The source database's URL, with its var/ folder."""

    def __new__(cls, url: str, var_dir: Path):
        source = super().__new__(cls, url)
        source.var_dir = var_dir
        return source


def media_files(var_dir: Path) -> dict[str, bytes]:
    root = var_dir / "media"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def restore_elsewhere(
    backup_file: Path, target: str, tmp_path: Path, source: "Source", *args: str, check: bool = True
):
    """``kontor restore`` on a machine that was given the source's key."""
    return kontor(
        "restore", *args, str(backup_file), url=target, var_dir=tmp_path / "elsewhere",
        check=check, KONTOR_ENCRYPTION_KEY=(source.var_dir / "encryption_key").read_text().strip(),
    )  # fmt: skip


def secrets_of(url: str, var_dir: Path, **env: str) -> dict:
    result = kontor("shell", "-c", READ_SECRETS, url=url, var_dir=var_dir, **env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_restore_brings_back_every_row_every_file_and_every_secret(tmp_path, source):
    """On another machine (a new var/ folder, so a new media folder) that
    was given the original encryption key: every table equal row by row,
    every file byte for byte, every encrypted value readable and the same."""
    original_key = (source.var_dir / "encryption_key").read_text().strip()
    checksums = table_checksums(source)
    files = media_files(source.var_dir)
    secrets = secrets_of(source, source.var_dir)
    backup_file = tmp_path / "kontor.backup"
    made = kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)
    assert "and 3 attached files" in made.stdout

    elsewhere = tmp_path / "elsewhere"
    with scratch_database(tmp_path, "target") as target:
        restored = kontor(
            "restore", str(backup_file), url=target, var_dir=elsewhere,
            KONTOR_ENCRYPTION_KEY=original_key,
        )  # fmt: skip

        assert "and 3 attached files" in restored.stdout
        assert table_checksums(target) == checksums
        assert media_files(elsewhere) == files
        assert secrets_of(target, elsewhere, KONTOR_ENCRYPTION_KEY=original_key) == secrets
        assert kontor("migrate", "--check", url=target, var_dir=elsewhere).returncode == 0
    assert len(checksums) > 30
    assert sorted(len(data) for data in files.values()) == [800, 16384, 3 * 1024 * 1024 + 17]
    assert len(secrets["contacts"]) == 1 and len(secrets["phone_systems"]) == 1
    assert backup_file.stat().st_mode & 0o077 == 0


def test_a_restore_without_the_original_key_fails_naming_the_key(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    made = kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)
    [fingerprint] = re.findall(r"fingerprint ([0-9a-f]{16})", made.stdout)

    elsewhere = tmp_path / "elsewhere"  # a new machine: a new key of its own
    with scratch_database(tmp_path, "target", migrated=True) as target:
        refused = kontor("restore", str(backup_file), url=target, var_dir=elsewhere, check=False)

        assert refused.returncode != 0
        assert f"encryption key with fingerprint {fingerprint}" in refused.stderr
        assert "KONTOR_ENCRYPTION_KEY" in refused.stderr
        assert "Nothing was restored" in refused.stderr
        assert query(target, COUNTS) == [(0, 0, 0, 0)]
    assert media_files(elsewhere) == {}


def test_a_restore_refuses_a_backup_with_a_damaged_file_and_changes_nothing(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)
    with tarfile.open(backup_file) as archive:
        member = next(m for m in archive.getmembers() if m.name.startswith("media/"))
    with backup_file.open("r+b") as file:
        file.seek(member.offset_data)
        byte = file.read(1)
        file.seek(member.offset_data)
        file.write(bytes([byte[0] ^ 0xFF]))

    elsewhere = tmp_path / "elsewhere"
    original_key = (source.var_dir / "encryption_key").read_text().strip()
    with scratch_database(tmp_path, "target", migrated=True) as target:
        refused = kontor(
            "restore", str(backup_file), url=target, var_dir=elsewhere, check=False,
            KONTOR_ENCRYPTION_KEY=original_key,
        )  # fmt: skip

        assert refused.returncode != 0
        assert "is damaged" in refused.stderr
        assert query(target, COUNTS) == [(0, 0, 0, 0)]
    assert media_files(elsewhere) == {}


def test_a_restore_refuses_a_media_folder_with_files_unless_forced(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "media").mkdir(parents=True)
    (elsewhere / "media" / "someone-elses.txt").write_text("keep me")
    original_key = (source.var_dir / "encryption_key").read_text().strip()

    with scratch_database(tmp_path, "target") as target:
        refused = kontor(
            "restore", str(backup_file), url=target, var_dir=elsewhere, check=False,
            KONTOR_ENCRYPTION_KEY=original_key,
        )  # fmt: skip
        assert refused.returncode != 0
        assert "media folder" in refused.stderr and "not empty" in refused.stderr

        kontor(
            "restore", "--force", str(backup_file), url=target, var_dir=elsewhere,
            KONTOR_ENCRYPTION_KEY=original_key,
        )  # fmt: skip
    assert media_files(elsewhere) == {
        **media_files(source.var_dir),
        "someone-elses.txt": b"keep me",
    }


def test_a_backup_from_before_files_were_included_still_restores(tmp_path, source):
    """Such a backup is the bare database file: a SQLite copy or pg_dump's
    custom format."""
    old_backup = tmp_path / "old.backup"
    if engine() == "sqlite":
        with sqlite3.connect(source.removeprefix("sqlite:///")) as db:
            copy = sqlite3.connect(old_backup)
            db.backup(copy)
            copy.close()
    else:
        subprocess.run(  # noqa: S603
            [shutil.which("pg_dump"), "--format=custom", f"--file={old_backup}", source],
            check=True,
        )

    with scratch_database(tmp_path, "target") as target:
        kontor("restore", str(old_backup), url=target, var_dir=tmp_path / "elsewhere")

        assert query(target, COUNTS) == query(source, COUNTS)


def test_a_restore_into_a_migrated_but_empty_database_works(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)

    with scratch_database(tmp_path, "target", migrated=True) as target:
        restore_elsewhere(backup_file, target, tmp_path, source)

        assert query(target, COUNTS) == query(source, COUNTS)


def test_a_restore_refuses_a_database_with_data_unless_forced(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)

    with scratch_database(tmp_path, "target", migrated=True) as target:
        kontor("start", "--no-serve", "--no-demo", url=target, var_dir=tmp_path / "other")
        refused = restore_elsewhere(backup_file, target, tmp_path, source, check=False)
        assert refused.returncode != 0
        assert "not empty" in refused.stderr
        assert query(target, COUNTS)[0][0] == 0

        restore_elsewhere(backup_file, target, tmp_path, source, "--force")
        assert query(target, COUNTS) == query(source, COUNTS)


def test_a_restore_refuses_a_file_that_is_no_backup(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with scratch_database(tmp_path, "target") as target:
        result = kontor("restore", str(junk), url=target, var_dir=tmp_path, check=False)
    assert result.returncode != 0
    assert "no Kontor backup" in result.stderr


def test_a_backup_taken_during_writes_is_consistent(tmp_path, source):
    """Rows committed one by one (g-1, g-2, …) while the backup runs: the
    backup holds exactly the first k of them for some k, nothing torn."""
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set() and n < 5000:
            n += 1
            query(source, "INSERT INTO auth_group (name) VALUES (?) RETURNING id", (f"g-{n}",))
            written.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            time.sleep(0.05)
        backup_file = tmp_path / "online.backup"
        kontor("backup", str(backup_file), url=source, var_dir=source.var_dir)
    finally:
        stop.set()
        writer.join()

    with scratch_database(tmp_path, "target") as target:
        restore_elsewhere(backup_file, target, tmp_path, source)
        names = [row[0] for row in query(target, "SELECT name FROM auth_group")]
        numbers = sorted(int(name.removeprefix("g-")) for name in names)
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(numbers) >= 20
        if engine() == "sqlite":
            assert query(target, "PRAGMA integrity_check") == [("ok",)]
            assert query(target, "PRAGMA journal_mode") == [("wal",)]
