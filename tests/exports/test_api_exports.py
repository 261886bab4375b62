"""GET /api/v1/contacts/export and /api/v1/organizations/export: the list's
records with the list's filters, as CSV, XLSX or vCard, with the access
rules and field categories of the API's answers, and one audit entry."""

import csv
import io

import openpyxl
import pytest
import vobject

from kontor.access.models import Role
from kontor.audit.models import AuditEntry
from kontor.contacts.services import contact_create
from kontor.customfields.models import CustomFieldDefinition
from tests.conftest import api_client_for
from tests.contacts.api_support import field_errors
from tests.factories import ContactFactory, OrganizationFactory, UserFactory

CONTACTS = "/api/v1/contacts/export"
ORGANIZATIONS = "/api/v1/organizations/export"


def body_of(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def csv_rows(response, delimiter: str = ",") -> list[dict[str, str]]:
    text = body_of(response).decode("utf-8")
    assert text.startswith("\ufeff"), "no byte order mark: Excel would garble the umlauts"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def xlsx_rows(response) -> list[dict]:
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(response)), read_only=True)
    header, *rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def vcards(response) -> list:
    return list(vobject.readComponents(body_of(response).decode("utf-8")))


@pytest.fixture
def jurgen(user):
    return ContactFactory(
        owner=user,
        first_name="Jürgen",
        last_name="Müßig",
        lifecycle_stage="customer",
        emails=[{"address": "juergen@bäckerei.de"}],
        phones=[{"number": "+49 30 1234567"}],
        tags=["Stammkunde"],
        notes='Grüße aus Köln; bitte "zurückrufen"',
    )


# CSV -----------------------------------------------------------------------------


def test_csv_holds_the_contacts_of_the_list_with_umlauts_intact(api, user, jurgen):
    response = api.get(CONTACTS, {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.csv"')
    [row] = csv_rows(response)
    assert row["id"] == str(jurgen.pk)
    assert row["first_name"] == "Jürgen"
    assert row["last_name"] == "Müßig"
    assert row["emails"] == "juergen@bäckerei.de"
    assert row["phones"] == "+49301234567"
    assert row["tags"] == "Stammkunde"
    assert row["notes"] == 'Grüße aus Köln; bitte "zurückrufen"'
    assert row["owner_id"] == str(user.pk)
    assert row["owner"] == (user.get_full_name() or user.get_username())


def test_the_owner_column_names_each_row_s_owner_and_nobody_for_none(api, user, admin_user):
    admin_user.first_name, admin_user.last_name = "Ada", "Lovelace"
    admin_user.save()
    ContactFactory(owner=admin_user, last_name="Bei Ada")
    ContactFactory(owner=user, last_name="Beim Nutzer")
    nobody = ContactFactory(owner=user, last_name="Ohne")
    nobody.owner = None
    nobody.save(update_fields=["owner"])

    owners = {row["last_name"]: row["owner"] for row in csv_rows(api.get(CONTACTS))}

    assert owners == {
        "Bei Ada": "Ada Lovelace",
        "Beim Nutzer": user.get_full_name() or user.get_username(),
        "Ohne": "",
    }


def test_csv_with_semicolons_for_german_spreadsheets(api, jurgen):
    [row] = csv_rows(api.get(CONTACTS, {"format": "csv", "delimiter": "semicolon"}), ";")

    assert row["notes"] == 'Grüße aus Köln; bitte "zurückrufen"'
    assert row["last_name"] == "Müßig"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(api, user):
    ContactFactory(
        owner=user,
        first_name='=HYPERLINK("http://evil.example","click")',
        last_name="@SUM(A1:A9)",
        notes="-2+3+cmd|' /C calc'!A0",
        tags=["+tag"],
    )

    [row] = csv_rows(api.get(CONTACTS, {"format": "csv"}))

    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["last_name"] == "'@SUM(A1:A9)"
    assert row["notes"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["tags"] == "'+tag"
    # A phone number is a plain number, not a formula: it stays as it is.
    assert row["display_name"].startswith("'=")


def test_a_phone_number_alone_is_no_formula(api, user):
    ContactFactory(owner=user, first_name="", last_name="", phones=[{"number": "+49 30 7654321"}])

    [row] = csv_rows(api.get(CONTACTS, {"format": "csv"}))

    assert row["phones"] == "+49307654321"


# XLSX and vCard ------------------------------------------------------------------


def test_xlsx_holds_the_same_rows_and_formulas_stay_text(api, user, jurgen):
    ContactFactory(owner=user, first_name="=1+1", last_name="Formel")

    response = api.get(CONTACTS, {"format": "xlsx"})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = {row["last_name"]: row for row in xlsx_rows(response)}
    assert rows["Müßig"]["first_name"] == "Jürgen"
    assert rows["Müßig"]["emails"] == "juergen@bäckerei.de"
    assert rows["Müßig"]["id"] == str(jurgen.pk)
    assert rows["Formel"]["first_name"] == "=1+1"
    workbook = openpyxl.load_workbook(io.BytesIO(body_of(api.get(CONTACTS, {"format": "xlsx"}))))
    cells = [cell for row in workbook.active.iter_rows() for cell in row if cell.value == "=1+1"]
    assert [cell.data_type for cell in cells] == ["s"]


def test_vcard_of_a_contact(api, user, jurgen):
    organization = OrganizationFactory(owner=user, name="Bäckerei Schmidt, GmbH")
    ContactFactory(
        owner=user, first_name="Anna", last_name="Zimmer", organization_id=organization.pk
    )

    response = api.get(CONTACTS, {"format": "vcf"})

    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    cards = {card.fn.value: card for card in vcards(response)}
    card = cards["Jürgen Müßig"]
    assert card.version.value == "4.0"
    assert card.kind.value == "individual"
    assert card.uid.value == f"urn:uuid:{jurgen.pk}"
    assert card.n.value.family == "Müßig"
    assert card.n.value.given == "Jürgen"
    assert [email.value for email in card.email_list] == ["juergen@bäckerei.de"]
    assert [tel.value for tel in card.tel_list] == ["+49301234567"]
    assert card.note.value == 'Grüße aus Köln; bitte "zurückrufen"'
    assert card.categories.value == ["Stammkunde"]
    assert cards["Anna Zimmer"].org.value == ["Bäckerei Schmidt, GmbH"]


def test_organizations_export_as_csv_and_as_vcards_of_kind_org(api, user):
    OrganizationFactory(
        owner=user, name="Müller & Söhne", website="https://mueller.example",
        emails=[{"address": "info@mueller.example"}],
    )  # fmt: skip

    [row] = csv_rows(api.get(ORGANIZATIONS, {"format": "csv"}))
    [card] = vcards(api.get(ORGANIZATIONS, {"format": "vcf"}))
    [sheet_row] = xlsx_rows(api.get(ORGANIZATIONS, {"format": "xlsx"}))

    assert row["name"] == "Müller & Söhne"
    assert row["website"] == "https://mueller.example"
    assert row["emails"] == "info@mueller.example"
    assert card.kind.value == "org"
    assert card.fn.value == "Müller & Söhne"
    assert card.org.value == ["Müller & Söhne"]
    assert card.url.value == "https://mueller.example"
    assert sheet_row["name"] == "Müller & Söhne"


# Filters ---------------------------------------------------------------------------


def test_the_lists_filters_choose_the_rows(api, user):
    ContactFactory(owner=user, first_name="Kunde", last_name="Eins", lifecycle_stage="customer",
                   tags=["VIP"])  # fmt: skip
    ContactFactory(owner=user, first_name="Kunde", last_name="Zwei", lifecycle_stage="customer")
    ContactFactory(owner=user, first_name="Interessent", last_name="Drei", lifecycle_stage="lead",
                   tags=["VIP"])  # fmt: skip

    def names(**filters) -> list[str]:
        rows = csv_rows(api.get(CONTACTS, {"format": "csv", **filters}))
        return sorted(row["last_name"] for row in rows)

    assert names() == ["Drei", "Eins", "Zwei"]
    assert names(lifecycle_stage="customer") == ["Eins", "Zwei"]
    assert names(tag="vip") == ["Drei", "Eins"]
    assert names(q="Kunde Zwei") == ["Zwei"]
    assert names(lifecycle_stage="customer", tag="VIP") == ["Eins"]


def test_the_organization_filter_of_contacts(api, user):
    organization = OrganizationFactory(owner=user, name="Firma")
    ContactFactory(owner=user, last_name="Dabei", organization_id=organization.pk)
    ContactFactory(owner=user, last_name="Ohne")

    rows = csv_rows(api.get(CONTACTS, {"format": "csv", "organization_id": str(organization.pk)}))

    assert [row["last_name"] for row in rows] == ["Dabei"]
    assert rows[0]["organization"] == "Firma"


def test_invalid_filters_are_refused_as_the_list_refuses_them(api, jurgen):
    errors = field_errors(api.get(CONTACTS, {"format": "csv", "lifecycle_stage": "nonsense"}))
    listed = field_errors(api.get("/api/v1/contacts", {"lifecycle_stage": "nonsense"}))

    assert errors == listed
    assert "query.owner_id" in field_errors(api.get(CONTACTS, {"owner_id": "x"}))


def test_an_unknown_format_is_refused_naming_the_allowed_ones(api, jurgen):
    errors = field_errors(api.get(CONTACTS, {"format": "pdf"}))

    [reason] = errors["query.format"]
    assert "'csv'" in reason and "'xlsx'" in reason and "'vcf'" in reason
    assert not AuditEntry.objects.filter(action="export").exists()


# Access ----------------------------------------------------------------------------


def test_a_restricted_user_exports_only_their_own_contacts(db):
    rep = UserFactory(username="rep-a", roles=["sales"])
    other = UserFactory(username="rep-b", roles=["sales"])
    ContactFactory(owner=rep, first_name="Meiner", last_name="Kunde")
    ContactFactory(owner=other, first_name="Fremder", last_name="Kunde")
    client = api_client_for(rep)

    for export_format in ("csv", "xlsx"):
        rows = (csv_rows if export_format == "csv" else xlsx_rows)(
            client.get(CONTACTS, {"format": export_format})
        )
        assert [row["first_name"] for row in rows] == ["Meiner"]
    assert [card.fn.value for card in vcards(client.get(CONTACTS, {"format": "vcf"}))] == [
        "Meiner Kunde"
    ]


def test_sales_exports_only_their_own_records_though_they_read_their_teams(db):
    """The export level narrows the list: sales read their teams' records
    but export only their own."""
    rep = UserFactory(username="rep-a", roles=["sales"], teams=["Nord"])
    colleague = UserFactory(username="rep-b", roles=["sales"], teams=["Nord"])
    ContactFactory(owner=rep, last_name="Meiner")
    ContactFactory(owner=colleague, last_name="Kollege")
    client = api_client_for(rep)

    listed = {item["last_name"] for item in client.get("/api/v1/contacts").json()["items"]}
    exported = {row["last_name"] for row in csv_rows(client.get(CONTACTS))}

    assert listed == {"Meiner", "Kollege"}
    assert exported == {"Meiner"}


def test_without_the_export_right_it_is_refused(db):
    agent = UserFactory(username="agent", roles=["service"])
    ContactFactory(owner=agent, last_name="Kunde")
    client = api_client_for(agent)

    for path in (CONTACTS, ORGANIZATIONS):
        response = client.get(path, {"format": "csv"})
        assert response.status_code == 403
        assert "export" in response.json()["detail"]
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.fixture
def standard_only(db):
    role = Role.objects.create(
        slug="standard-exporter",
        name="standard exporter",
        levels={"*": {"read": "all", "export": "all"}},
        categories={"standard": "read"},
    )
    exporter = UserFactory(username="plain", roles=[])
    role.users.add(exporter)
    return exporter


def test_columns_of_categories_the_user_may_not_read_are_left_out(user, jurgen, standard_only):
    CustomFieldDefinition.objects.create(
        object_type="contact", key="hobby", label="Hobby", field_type="text"
    )
    CustomFieldDefinition.objects.create(
        object_type="contact", key="birthday_wish", label="Wish", field_type="text",
        category="personal",
    )  # fmt: skip
    CustomFieldDefinition.objects.create(
        object_type="contact", key="credit", label="Credit", field_type="text",
        category="financial",
    )  # fmt: skip
    contact_create(
        actor=user,
        data={"first_name": "Mit", "last_name": "Feldern",
              "custom": {"hobby": "Segeln", "birthday_wish": "Rad", "credit": "10000"}},
    )  # fmt: skip
    client = api_client_for(standard_only)

    rows = {row["last_name"]: row for row in csv_rows(client.get(CONTACTS))}
    header = set(rows["Müßig"])
    answer_keys = set(client.get(f"/api/v1/contacts/{jurgen.pk}").json())

    assert {"emails", "phones"} & header == set()
    assert {"emails", "phones"} & answer_keys == set()  # the same rule as the API
    assert {"custom.birthday_wish", "custom.credit"} & header == set()
    assert rows["Feldern"]["custom.hobby"] == "Segeln"
    [card] = [
        c for c in vcards(client.get(CONTACTS, {"format": "vcf"})) if c.fn.value == "Jürgen Müßig"
    ]
    assert "email" not in card.contents and "tel" not in card.contents
    # Administrators get every column, the financial one too.
    admin_rows = {row["last_name"]: row for row in csv_rows(api_client_for(user).get(CONTACTS))}
    assert admin_rows["Feldern"]["custom.credit"] == "10000"
    assert admin_rows["Müßig"]["emails"] == "juergen@bäckerei.de"


def test_a_contact_named_by_a_hidden_email_address_has_no_name_in_the_export(user, standard_only):
    ContactFactory(owner=user, first_name="", last_name="", emails=[{"address": "geheim@x.de"}])

    [row] = csv_rows(api_client_for(standard_only).get(CONTACTS))

    assert row["display_name"] == ""
    assert (
        "geheim"
        not in body_of(api_client_for(standard_only).get(CONTACTS, {"format": "vcf"})).decode()
    )


def test_a_hidden_organization_is_not_named(user):
    rep = UserFactory(username="rep-a", roles=["sales"])
    other = UserFactory(username="rep-b", roles=["sales"])
    hidden = OrganizationFactory(owner=other, name="Geheime GmbH")
    contact_create(
        actor=user,
        data={"last_name": "Kunde", "organization_id": hidden.pk, "owner_id": rep.pk},
    )
    client = api_client_for(rep)

    [row] = csv_rows(client.get(CONTACTS))
    [card] = vcards(client.get(CONTACTS, {"format": "vcf"}))

    assert row["organization"] == ""
    assert row["organization_id"] == ""
    assert "org" not in card.contents


# Audit -----------------------------------------------------------------------------


def test_each_export_is_recorded_once_in_the_audit_trail(api, user, jurgen):
    ContactFactory(owner=user, last_name="Zweiter", lifecycle_stage="customer")

    body_of(api.get(CONTACTS, {"format": "xlsx", "lifecycle_stage": "customer"}))

    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.actor_id == user.pk
    assert entry.object_type == "contact"
    assert entry.channel == "api"
    assert entry.changes["count"] == [None, 2]
    assert entry.changes["format"] == [None, "xlsx"]
    assert entry.changes["filters"] == [None, {"lifecycle_stage": "customer"}]
    assert "emails" in entry.fields
    assert not entry.sensitive


def test_filters_with_a_nul_character_are_recorded_without_it(api, jurgen):
    """PostgreSQL's JSON cannot hold NUL: the entry keeps the filter with
    U+FFFD in its place, and the export answers."""
    response = api.get(CONTACTS, {"tag": "a\x00b"})

    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.changes["filters"] == [None, {"tag": "a\ufffdb"}]


def test_an_export_with_financial_columns_is_a_sensitive_entry(api, user, jurgen):
    CustomFieldDefinition.objects.create(
        object_type="contact", key="credit", label="Credit", field_type="text",
        category="financial",
    )  # fmt: skip

    body_of(api.get(CONTACTS))

    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.sensitive
    assert "custom.credit" in entry.fields
    # The export is one entry, not a read entry for each record.
    assert not AuditEntry.objects.filter(action="read").exists()


# Streaming -------------------------------------------------------------------------


def test_the_export_is_streamed_in_batches_with_queries_per_batch_not_per_row(
    api, user, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kontor.exports import services

    organization = OrganizationFactory(owner=user, name="Firma")
    for number in range(7):
        ContactFactory(owner=user, last_name=f"Kunde {number}", organization_id=organization.pk,
                       tags=["A"], emails=[{"address": f"k{number}@firma.example"}])  # fmt: skip

    def queries_for(batch: int) -> tuple[int, list[str]]:
        monkeypatch.setattr(services, "BATCH", batch)
        response = api.get(CONTACTS)
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(response)
        return len(queries), [row["last_name"] for row in rows]

    one_batch, names = queries_for(100)
    three_batches, names_in_batches = queries_for(3)

    assert names == names_in_batches == [f"Kunde {number}" for number in reversed(range(7))]
    # The contacts, then per batch their owners, email addresses, phone
    # numbers and tags.
    assert one_batch <= 5
    assert three_batches <= 3 * one_batch
