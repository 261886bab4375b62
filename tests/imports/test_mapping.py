import datetime

from kontor.customfields.models import CustomFieldDefinition
from kontor.imports import mapping


def test_german_headers_are_guessed(db):
    headers = ["Vorname", "Nachname", "E-Mail", "Telefon", "Mobil", "Firma", "PLZ", "Ort",
               "Straße", "Land", "Position", "Notiz"]  # fmt: skip

    guessed = mapping.guess("contacts", headers)

    assert guessed == {
        "Vorname": "first_name", "Nachname": "last_name", "E-Mail": "email",
        "Telefon": "phone", "Mobil": "mobile", "Firma": "organization", "PLZ": "notes",
        "Ort": "notes", "Straße": "notes", "Land": "notes", "Position": "notes",
        "Notiz": "notes",
    }  # fmt: skip


def test_english_and_outlook_headers_are_guessed(db):
    headers = ["First Name", "Last Name", "E-mail Address", "E-mail 2 Address", "Business Phone",
               "Mobile Phone", "Company", "Notes", "ZIP", "Job Title", "Id"]  # fmt: skip

    guessed = mapping.guess("contacts", headers)

    assert [guessed[h] for h in headers] == [
        "first_name", "last_name", "email", "email", "phone", "mobile", "organization",
        "notes", "notes", "notes", "external_id",
    ]  # fmt: skip


def test_a_custom_field_is_found_by_its_label_before_anything_else(db):
    CustomFieldDefinition.objects.create(
        object_type="organization", key="city", label="Ort", field_type="text"
    )

    guessed = mapping.guess("organizations", ["Firma", "Ort", "Webseite", "Vorname"])

    assert guessed == {
        "Firma": "name", "Ort": "custom.city", "Webseite": "website", "Vorname": "ignore"
    }  # fmt: skip


def test_a_mapping_naming_unknown_columns_or_targets_is_refused(db):
    errors = mapping.check(
        "contacts", ["A", "B"], {"A": "first_name", "B": "shoe_size", "C": "notes"}
    )

    assert set(errors) == {"mapping.B", "mapping.C"}


def test_german_numbers_dates_and_yes_no_are_read_for_custom_fields(db):
    number = CustomFieldDefinition(key="n", label="n", field_type="number")
    date = CustomFieldDefinition(key="d", label="d", field_type="date")
    flag = CustomFieldDefinition(key="b", label="b", field_type="boolean")

    assert mapping.custom_value(number, "1.234,56") == "1234.56"
    assert mapping.custom_value(number, "99,5") == "99.5"
    assert mapping.custom_value(number, 12.5) == 12.5
    assert mapping.custom_value(date, "01.03.2019") == "2019-03-01"
    assert mapping.custom_value(date, datetime.date(2020, 2, 29)) == "2020-02-29"
    assert mapping.custom_value(flag, "ja") is True
    assert mapping.custom_value(flag, "Nein") is False
    assert mapping.custom_value(number, "") is None
