import csv
import io
import json

from django.test import Client

from kontor.contacts.models import Contact
from kontor.tasks.worker import run_until_empty
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.imports.conftest import DATA


def _upload(client, content: bytes, filename: str = "k.csv", **fields):
    data = {"file": io.BytesIO(content), "type": "contacts", **fields}
    data["file"].name = filename
    # Multipart, not the JSON the test client sends otherwise.
    return Client.post(client, "/api/v1/imports", data)


def test_an_uploaded_file_is_imported_on_the_worker(api):
    created = _upload(api, (DATA / "german_excel.csv").read_bytes(), "Kunden.csv")

    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "status"} and body["status"] == "queued"
    queued = api.get(f"/api/v1/imports/{body['id']}").json()
    assert queued == {"status": "queued", "rows_total": None, "rows_done": 0, "created": 0,
                      "updated": 0, "unchanged": 0, "rejected": 0}  # fmt: skip

    run_until_empty()

    done = api.get(f"/api/v1/imports/{body['id']}").json()
    assert done == {"status": "done", "rows_total": 7, "rows_done": 7, "created": 5,
                    "updated": 0, "unchanged": 0, "rejected": 2}  # fmt: skip
    report = api.get(f"/api/v1/imports/{body['id']}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert 'filename="Kunden-errors.csv"' in report["Content-Disposition"]
    rows = list(
        csv.reader(
            io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][-1] == "reason" and len(rows) == 3


def test_mapping_dry_run_and_update_mode_are_taken(api, user):
    content = b"Kennung,Mail\nAda,ada@example.org\n"
    created = _upload(
        api, content, mapping=json.dumps({"Kennung": "first_name"}), dry_run="true",
        update_by="email",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    run_until_empty()

    assert api.get(f"/api/v1/imports/{created.json()['id']}").json()["created"] == 1
    assert not Contact.objects.exists()


def test_bad_input_is_a_422_with_the_field(api):
    cases = [
        (b"", {}, "file"),
        (b"A;B\n1;2\n", {"mapping": "{not json"}, "mapping"),
        (b"A;B\n1;2\n", {"mapping": json.dumps({"A": "shoe_size"})}, "A"),
        (b"A;B\n1;2\n", {"mapping": json.dumps(["A"])}, "mapping"),
        (b"A;B\n1;2\n", {"update_by": "name"}, "update_by"),
        (b"A;B\n1;2\n", {"type": "deals"}, "type"),
    ]
    for content, fields, field in cases:
        response = _upload(api, content, **fields)
        assert response.status_code == 422, (fields, response.content)
        assert field in {loc for item in response.json()["detail"] for loc in item["loc"]}, (
            fields, response.json())  # fmt: skip


def test_only_the_importing_user_and_administrators_see_an_import(api, db):
    created = _upload(api, b"Vorname\nAda\n").json()
    stranger = api_client_for(UserFactory(username="stranger", roles=["sales"]))
    admin = api_client_for(UserFactory(username="chef", roles=["administrator"]))

    assert stranger.get(f"/api/v1/imports/{created['id']}").status_code == 404
    assert stranger.get(f"/api/v1/imports/{created['id']}/errors.csv").status_code == 404
    assert admin.get(f"/api/v1/imports/{created['id']}").status_code == 200
    assert stranger.get("/api/v1/imports/not-a-uuid").status_code == 404


def test_a_user_without_the_right_to_create_gets_403(db):
    reader = api_client_for(UserFactory(username="reader", roles=["read-only"]))

    response = _upload(reader, b"Vorname\nAda\n")

    assert response.status_code == 403


def test_a_file_with_nul_characters_is_read_and_kept_not_a_500(api):
    """PostgreSQL cannot store NUL; the cells keep U+FFFD in its place."""
    content = b"Vorname;Nachname;E-Mail\x00\nAn\x00na;Schmidt;kaputt@\x00\n"

    created = _upload(api, content, "nul.csv")

    assert created.status_code == 201, created.content
    run_until_empty()
    done = api.get(f"/api/v1/imports/{created.json()['id']}").json()
    assert done["status"] == "done" and done["rows_done"] == 1
    assert done["created"] + done["rejected"] == 1
    header_only = _upload(api, b"\x00", "file")
    assert header_only.status_code == 201, header_only.content
