import codecs
import io

import pytest

from kontor.imports import readers
from tests.imports.conftest import DATA


def _opener(content: bytes):
    return lambda: io.BytesIO(content)


def _read(content: bytes, filename: str = "file.csv"):
    shape = readers.inspect(_opener(content), filename)
    return shape, list(readers.rows(_opener(content), shape))


def test_a_german_excel_csv_is_read_as_windows_1252_with_semicolons():
    shape, rows = _read((DATA / "german_excel.csv").read_bytes())

    assert (shape.file_format, shape.encoding, shape.delimiter) == ("csv", "cp1252", ";")
    assert shape.headers[:3] == ["Anrede", "Vorname", "Nachname"]
    assert shape.headers[8] == "Straße"
    assert rows[0][1:3] == ["Jürgen", "Müller"]
    assert rows[0][-1] == "Kunde seit „2019“ – Stammkunde"
    assert len(rows) == 7  # the empty row is skipped


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_with_or_without_a_byte_order_mark_and_commas(bom):
    content = bom + "first name,last name,email\nZoë,Ärger,zoe@example.org\n".encode()

    shape, rows = _read(content)

    assert shape.headers == ["first name", "last name", "email"]
    assert shape.delimiter == ","
    assert rows == [["Zoë", "Ärger", "zoe@example.org"]]


def test_a_tab_separated_file_with_quoted_newlines():
    content = b'Name\tNotes\n"Anna Beispiel"\t"two\nlines"\n'

    shape, rows = _read(content, "export.txt")

    assert shape.delimiter == "\t"
    assert rows == [["Anna Beispiel", "two\nlines"]]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"PK\x03\x04garbage", "XLSX"),
        (b"Name;Name\nA;B\n", "twice"),
    ],
)
def test_an_unusable_file_is_refused_with_the_reason(content, reason):
    with pytest.raises(readers.Unreadable, match=reason):
        readers.inspect(_opener(content), "file.csv")


def test_vcards_of_outlook_apple_and_google_become_rows():
    cards = {}
    for name in ("outlook.vcf", "apple.vcf", "google.vcf"):
        content = (DATA / name).read_bytes()
        shape, rows = _read(content, name)
        assert shape.headers == readers.VCARD_COLUMNS
        cards.update({row[0]: dict(zip(shape.headers, row, strict=True)) for row in rows})

    petra = cards["Dr. Petra Schmidt"]
    assert petra["Email"] == ["petra.schmidt@schmidt-consulting.de", "petra@privat.example"]
    assert petra["Mobile"] == ["+49 160 9876543"]
    assert petra["Fax"] == ["+49 40 1234568"]
    assert petra["Organization"] == "Schmidt Consulting GmbH"
    assert petra["Address"] == ["Jungfernstieg 1, 20095 Hamburg, Deutschland"]
    lena = cards["Lena Weber"]
    assert lena["Mobile"] == ["+49 151 11122233"]
    assert lena["Phone (home)"] == ["+49 30 7654321"]
    assert lena["Notes"] == "Lieblingsfarbe: blau, grün"
    tom = cards["Tom Becker"]  # vCard 4.0 with tel: URIs
    assert tom["Phone"] == ["+49-221-555666"]
    assert tom["Title"] == "Projektleiter"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("Vorname;Nachname\nJürgen;Müller\n", "cp1252", "cp1252"),
        ("Name;Preis\nKöln;5 €\n", "cp1252", "cp1252"),
        ("Имя;Фамилия\nИван;Петров\nСергей;Иванов\nАнна;Смирнова\n", "cp1251", "cp1251"),
    ],
)
def test_short_files_in_a_windows_code_page(text, encoding, expected):
    shape, rows = _read(text.encode(encoding))

    assert shape.encoding == expected
    assert rows[0] == text.splitlines()[1].split(";")


def test_a_windows_1252_byte_after_the_sample_of_a_utf8_file_is_still_read():
    head = "Vorname;Nachname\n" + "Anna;Beispiel\n" * 6000
    content = head.encode() + "Jürgen;Müller\n".encode("cp1252")

    shape, rows = _read(content)

    assert shape.encoding == "utf-8"
    assert rows[-1] == ["Jürgen", "Müller"]
