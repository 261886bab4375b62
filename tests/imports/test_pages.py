import io

import pytest
from django.urls import reverse

from kontor.contacts.models import Contact
from kontor.imports.models import Import, ImportMapping
from kontor.tasks.worker import run_until_empty
from tests.factories import UserFactory


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


def _file(content: bytes, name: str = "liste.csv"):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


CONTENT = "Vorname;Nachname;Kennung;E-Mail\nJürgen;Müller;x;j@example.org\nAnna;Kaputt;y;kaputt\n"


def test_the_lists_link_to_the_import(browser):
    for name in ("contact-list", "organization-list"):
        assert reverse("import-new").encode() in browser.get(reverse(name)).content


def test_upload_map_run_and_read_the_summary(browser, user):
    uploaded = browser.post(
        reverse("import-new"),
        {"file": _file(CONTENT.encode("cp1252")), "record_type": "contacts"},
    )
    data_import = Import.objects.get()
    assert uploaded.url == reverse("import-mapping", args=[data_import.pk])

    mapping_page = browser.get(uploaded.url)
    assert mapping_page.status_code == 200
    page = mapping_page.content.decode()
    assert "Jürgen" in page  # the preview, read as Windows-1252
    assert '<option value="first_name" selected>' in page  # the guess for "Vorname"
    assert "<script>" not in page  # no inline script (CSP)

    started = browser.post(
        uploaded.url,
        {"column-0": "first_name", "column-1": "last_name", "column-2": "notes",
         "column-3": "email", "update_by": "", "mapping_name": "Messe"},
    )  # fmt: skip
    assert started.url == reverse("import-detail", args=[data_import.pk])
    running = browser.get(started.url).content.decode()
    assert '<meta http-equiv="refresh"' in running and "<progress" in running
    assert ImportMapping.objects.get(name="Messe").columns["Kennung"] == "notes"

    run_until_empty()

    summary = browser.get(started.url).content.decode()
    assert '<meta http-equiv="refresh"' not in summary
    assert reverse("import-errors", args=[data_import.pk]) in summary
    assert "@-sign" in summary
    assert Contact.objects.get().notes == "Kennung: x"
    report = browser.get(reverse("import-errors", args=[data_import.pk]))
    assert "Anna" in b"".join(report.streaming_content).decode("utf-8-sig")
    # Started, the mapping can no longer change.
    assert browser.get(uploaded.url).url == started.url


def test_a_saved_mapping_is_offered_and_applied(browser, user):
    browser.post(
        reverse("import-new"), {"file": _file(CONTENT.encode()), "record_type": "contacts"}
    )
    data_import = Import.objects.get()
    saved = ImportMapping.objects.create(
        owner=user, name="Alt", record_type="contacts", columns={"Kennung": "external_id"}
    )

    page = browser.get(reverse("import-mapping", args=[data_import.pk]), {"use": saved.pk})

    assert '<option value="external_id" selected>' in page.content.decode()


def test_an_unreadable_file_is_shown_on_the_form(browser):
    response = browser.post(
        reverse("import-new"), {"file": _file(b"PK\x03\x04xx", "a.xlsx"), "record_type": "contacts"}
    )

    assert response.status_code == 200
    assert "XLSX" in response.content.decode()
    assert not Import.objects.exists()


def test_another_users_import_is_not_found(browser, client, db):
    browser.post(
        reverse("import-new"), {"file": _file(CONTENT.encode()), "record_type": "contacts"}
    )
    data_import = Import.objects.get()
    client.force_login(UserFactory(username="fremd", roles=["sales"]))

    for name in ("import-detail", "import-mapping", "import-errors"):
        assert client.get(reverse(name, args=[data_import.pk])).status_code == 404
