"""Real-world-shaped files: every good row imported, every bad row reported
with its reason, nothing lost."""

import csv
import datetime
import io

from openpyxl import Workbook

from kontor.contacts.models import Contact, Organization
from kontor.imports.models import ImportStatus
from kontor.imports.services import error_report_chunks
from tests.imports.conftest import run_import


def _report(data_import) -> list[list[str]]:
    text = b"".join(error_report_chunks(data_import)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=data_import.delimiter or ","))


def _nothing_lost(data_import, contacts_before: int = 0) -> None:
    assert data_import.status == ImportStatus.DONE
    assert data_import.rows_done == data_import.rows_total
    assert (
        data_import.created + data_import.updated + data_import.unchanged + data_import.rejected
        == data_import.rows_total
    )
    assert len(_report(data_import)) == data_import.rejected + 1
    assert Contact.objects.count() - contacts_before == data_import.created


def test_a_german_excel_csv(user, custom_fields):
    data_import = run_import(user, "german_excel.csv", "Kunden.csv")

    _nothing_lost(data_import)
    assert (data_import.created, data_import.rejected) == (4, 3)
    juergen = Contact.objects.get(last_name="Müller")
    assert juergen.first_name == "Jürgen"
    assert juergen.organization.name == "Bäckerei Müller GmbH"
    assert [e.normalized for e in juergen.emails.all()] == ["juergen.mueller@baeckerei-mueller.de"]
    assert [(p.e164, p.label) for p in juergen.phones.all()] == [
        ("+49301234567", "work"), ("+491712345678", "mobile")
    ]  # fmt: skip
    assert juergen.custom == {"revenue": 1234.56, "customer_since": "2019-03-01"}
    assert "Straße: Hauptstraße 5" in juergen.notes
    assert "Kunde seit „2019“ – Stammkunde" in juergen.notes
    assert Contact.objects.get(last_name="Yilmaz").custom == {"revenue": 12000}
    # Both contacts of the bakery share one organization.
    assert Organization.objects.filter(name="Bäckerei Müller GmbH").count() == 1
    header, *rejected = _report(data_import)
    assert header[-1] == "reason" and header[1] == "Vorname"
    assert [row[1] for row in rejected] == ["Anna", "Bernd", "Doris"]
    assert "E-Mail" in rejected[0][-1] and "@-sign" in rejected[0][-1]
    assert "Telefon" in rejected[1][-1]
    assert "Umsatz" in rejected[2][-1] and "number" in rejected[2][-1]
    assert rejected[2][:-1] == ["Frau", "Doris", "Dezimal", "", "", "doris@example.de", "", "",
                                "", "", "", "", "zwölf", "", "Umsatz ist keine Zahl"]  # fmt: skip


def test_vcards_from_outlook_apple_and_google(user):
    results = [run_import(user, name, name) for name in ("outlook.vcf", "apple.vcf", "google.vcf")]

    assert [(r.created, r.rejected) for r in results] == [(1, 1), (1, 0), (1, 1)]
    petra = Contact.objects.get(last_name="Schmidt")
    assert petra.organization.name == "Schmidt Consulting GmbH"
    assert sorted(e.address for e in petra.emails.all()) == [
        "petra.schmidt@schmidt-consulting.de", "petra@privat.example"
    ]  # fmt: skip
    assert sorted(p.label for p in petra.phones.all()) == ["fax", "mobile", "work"]
    assert "Title: Partnerin" in petra.notes
    lena = Contact.objects.get(last_name="Weber")
    assert sorted(p.label for p in lena.phones.all()) == ["mobile", "private"]
    assert results[0].rejected_rows.get().reason.startswith("Email")


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Vorname", "Nachname", "E-Mail", "Telefon", "Kunde seit", "Umsatz", "Notiz"])
    sheet.append(
        [
            "Anna",
            "Alt",
            "anna@example.de",
            4930123456,
            datetime.datetime(2020, 5, 17),
            1500.5,
            "=A2&B2",
        ]
    )
    sheet.append([None] * 7)
    sheet.append([])
    sheet.append(
        ["Bernd", "Brandt", "bernd@example.de", "+49 30 555", datetime.date(2021, 1, 2), 7, None]
    )
    sheet.append(["Carla", "Kaputt", "carla@", None, None, None, None])
    sheet.append(["Dieter", "Datum", "dieter@example.de", None, "kein Datum", None, None])
    sheet["A10"] = "Emma"
    sheet["C10"] = "emma@example.de"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_with_dates_formulas_and_empty_rows(user, custom_fields):
    data_import = run_import(user, _workbook(), "kunden.xlsx")

    _nothing_lost(data_import)
    assert data_import.file_format == "xlsx"
    assert (data_import.rows_total, data_import.created, data_import.rejected) == (5, 3, 2)
    anna = Contact.objects.get(first_name="Anna")
    assert anna.custom == {"customer_since": "2020-05-17", "revenue": 1500.5}
    # A formula that Excel never computed is not taken as text.
    assert "=" not in anna.notes
    # A spreadsheet number keeps its digits (national number read in Germany).
    assert [p.raw for p in anna.phones.all()] == ["4930123456"]
    assert Contact.objects.get(first_name="Emma").display_name == "Emma"
    reasons = sorted(r.reason for r in data_import.rejected_rows.all())
    assert any("Kunde seit" in reason and "date" in reason for reason in reasons)
    assert any("E-Mail" in reason for reason in reasons)
