import threading
import time

import pytest

from tests.core.scratch import engine, kontor, query, scratch_database

COUNTS = (
    "SELECT (SELECT COUNT(*) FROM contacts_contact), (SELECT COUNT(*) FROM contacts_organization),"
    " (SELECT COUNT(*) FROM contacts_emailaddress), (SELECT COUNT(*) FROM auth_user)"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A migrated database with the demo customers and an administrator
    (shared by the tests here; only the last one adds rows, to auth_group)."""
    path = tmp_path_factory.mktemp("source")
    with scratch_database(path, "source") as url:
        kontor("start", "--no-serve", url=url, var_dir=path)
        yield url


def test_a_backup_restores_into_an_empty_database(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=tmp_path)

    with scratch_database(tmp_path, "target") as target:
        restored = kontor("restore", str(backup_file), url=target, var_dir=tmp_path)

        assert "Restored" in restored.stdout
        assert query(target, COUNTS) == query(source, COUNTS)
        assert query(target, COUNTS)[0][0] > 10
        assert kontor("migrate", "--check", url=target, var_dir=tmp_path).returncode == 0
    assert backup_file.stat().st_mode & 0o077 == 0


def test_a_restore_into_a_migrated_but_empty_database_works(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=tmp_path)

    with scratch_database(tmp_path, "target") as target:
        kontor("migrate", url=target, var_dir=tmp_path)
        kontor("restore", str(backup_file), url=target, var_dir=tmp_path)

        assert query(target, COUNTS) == query(source, COUNTS)


def test_a_restore_refuses_a_database_with_data_unless_forced(tmp_path, source):
    backup_file = tmp_path / "kontor.backup"
    kontor("backup", str(backup_file), url=source, var_dir=tmp_path)

    with scratch_database(tmp_path, "target") as target:
        kontor("start", "--no-serve", "--no-demo", url=target, var_dir=tmp_path / "other")
        refused = kontor("restore", str(backup_file), url=target, var_dir=tmp_path, check=False)
        assert refused.returncode != 0
        assert "not empty" in refused.stderr
        assert query(target, COUNTS)[0][0] == 0

        kontor("restore", "--force", str(backup_file), url=target, var_dir=tmp_path)
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
        kontor("backup", str(backup_file), url=source, var_dir=tmp_path)
    finally:
        stop.set()
        writer.join()

    with scratch_database(tmp_path, "target") as target:
        kontor("restore", str(backup_file), url=target, var_dir=tmp_path)
        names = [row[0] for row in query(target, "SELECT name FROM auth_group")]
        numbers = sorted(int(name.removeprefix("g-")) for name in names)
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(numbers) >= 20
        if engine() == "sqlite":
            assert query(target, "PRAGMA integrity_check") == [("ok",)]
            assert query(target, "PRAGMA journal_mode") == [("wal",)]
