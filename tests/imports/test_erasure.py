"""Erasing a person reaches the rows of import error reports that name
them, and leaves the other rejected rows alone."""

from kontor.contacts.services import contact_create
from kontor.imports.models import ImportRejectedRow
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.imports.conftest import run_import

CSV = (
    "Vorname;Nachname;E-Mail;Telefon\n"
    "Greta;Xylander;greta.xylander@example.com;kein Anschluss\n"
    "Otto;Other;otto@@example;030 999 888\n"
    "Hans;Nobody;hans@example.org;+49 (0)30 1234567-9999999999\n"
)


def test_erasure_removes_the_persons_rejected_import_rows(db):
    dpo = UserFactory(username="dpo", roles=["data-protection-officer"])
    admin = UserFactory(username="importer", roles=["administrator"], is_superuser=True)
    person = contact_create(
        actor=admin,
        data={
            "first_name": "Greta",
            "last_name": "Xylander",
            "emails": [{"address": "greta.xylander@example.com"}],
            "phones": [{"number": "+49 30 999888"}],
        },
    )
    done = run_import(admin, CSV.encode("cp1252"), "kunden.csv")
    assert done.rejected == 3
    rejected = {row.row_number: row for row in ImportRejectedRow.objects.all()}
    # Row 1 has the email address, row 2 the number in another notation.
    assert set(rejected) == {1, 2, 3}

    api = api_client_for(dpo)
    created = api.post(
        "/api/v1/privacy/requests", {"type": "erasure", "contact_id": str(person.pk)}
    )
    assert created.status_code == 201, created.content
    response = api.post(f"/api/v1/privacy/requests/{created.json()['id']}/execute")

    assert response.status_code == 200, response.content
    stores = {store["name"]: store["items_removed"] for store in response.json()["stores"]}
    assert stores["rows of import error reports"] == 2
    assert list(ImportRejectedRow.objects.values_list("row_number", flat=True)) == [3]
