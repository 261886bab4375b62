import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kontor.contacts.models import Contact
from kontor.imports.models import Import
from tests.factories import UserFactory
from tests.imports.conftest import DATA


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_it_imports_and_prints_the_summary_and_the_report(superuser, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()

    call_command("import", str(DATA / "german_excel.csv"), "--type", "contacts", stdout=out)

    text = out.getvalue()
    assert "7 rows: 5 created, 0 updated, 0 unchanged, 2 rejected." in text
    report = text.split("Error report: ")[1].strip()
    assert "Anna" in Path(report).read_text(encoding="utf-8-sig")
    assert Contact.objects.count() == 5


def test_a_mapping_file_update_mode_and_dry_run(superuser, tmp_path):
    (tmp_path / "people.csv").write_text("Kennung,Mail\nAda,ada@example.org\n")
    (tmp_path / "map.json").write_text(json.dumps({"Kennung": "first_name"}))
    out = io.StringIO()

    call_command("import", str(tmp_path / "people.csv"), "--mapping", str(tmp_path / "map.json"),
                 "--update-by", "email", "--dry-run", stdout=out)  # fmt: skip

    assert "dry run" in out.getvalue() and "1 created" in out.getvalue()
    assert Import.objects.get().update_by == "email"
    assert not Contact.objects.exists()


def test_an_unusable_file_exits_2(superuser, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")

    with pytest.raises(CommandError) as error:
        call_command("import", str(tmp_path / "empty.csv"))
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as missing:
        call_command("import", str(tmp_path / "missing.csv"))
    assert missing.value.returncode == 2


def test_resume_goes_on_with_a_stopped_import(superuser, tmp_path, monkeypatch):
    from kontor.imports import services

    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    content = "Vorname\n" + "\n".join(f"P{i}" for i in range(5)) + "\n"
    (tmp_path / "p.csv").write_text(content)
    data_import = services.import_create(
        actor=superuser, upload=(tmp_path / "p.csv").open("rb"), filename="p.csv",
        record_type="contacts",
    )  # fmt: skip
    services.import_run(data_import, batch_limit=1)
    out = io.StringIO()

    call_command("import", "--resume", str(data_import.pk), stdout=out)

    assert "5 rows: 5 created" in out.getvalue()
    assert Contact.objects.count() == 5
