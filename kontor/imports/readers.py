"""Reading an uploaded file as rows of cells: CSV (encoding and delimiter
detected), XLSX (streamed, the first sheet) and vCard 3.0/4.0 (one row per
card, in the fixed columns ``VCARD_COLUMNS``). Rows without any value are
skipped; every reader yields the same rows in the same order each time, so
an import resumes by skipping the rows it has done."""

import codecs
import csv
import datetime
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import vobject
from charset_normalizer import from_bytes

from kontor.core.storable_text import storable

Opener = Callable[[], IO[bytes]]
Cell = str | int | float | datetime.date | list[str] | None

SAMPLE_BYTES = 64 * 1024
DELIMITERS = ";,\t|"
VCARD_COLUMNS = [
    "Name",
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Phone (home)",
    "Mobile",
    "Fax",
    "Organization",
    "Title",
    "Address",
    "Website",
    "Notes",
]


class Unreadable(ValueError):
    """The file cannot be read as a table of rows (or holds no header)."""


@dataclass(frozen=True)
class FileShape:
    file_format: str  # csv, xlsx, vcf
    encoding: str
    delimiter: str
    headers: list[str]


def guess_format(filename: str, head: bytes) -> str:
    name = filename.lower()
    if head.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    if name.endswith((".vcf", ".vcard")) or text.startswith(b"BEGIN:VCARD"):
        return "vcf"
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without a byte order mark) when the sample decodes as
    such, else what charset-normalizer finds (Windows-1252 for Latin script)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is None:
        return "cp1252"
    # Short samples leave charset-normalizer unsure between the code pages
    # of Latin script (cp1250, cp775, cp852 …); Windows-1252 is what German
    # and Western European Excel writes. A file in another script (Cyrillic,
    # Greek …) keeps the detected code page.
    if _latin_only(str(best)) and _decodes(sample, "cp1252"):
        return "cp1252"
    return best.encoding


def _latin_only(text: str) -> bool:
    return all(
        unicodedata.name(char, "").startswith("LATIN")
        for char in text
        if ord(char) > 127 and char.isalpha()
    )


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if not lines:
        raise Unreadable("The file is empty.")
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _blank(cell: Any) -> bool:
    if isinstance(cell, list):
        return not any(str(item).strip() for item in cell)
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _trimmed(row: list[Any]) -> list[Any]:
    while row and _blank(row[-1]):
        row.pop()
    return row


def _windows_1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """A byte that is no UTF-8 in a file detected as UTF-8 (its first
    64 KB were): Excel files mix, so it is read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


codecs.register_error("kontor-cp1252-fallback", _windows_1252_fallback)


@contextmanager
def _text(opener: Opener, encoding: str) -> Iterator[IO[str]]:
    errors = "kontor-cp1252-fallback" if encoding.startswith("utf-8") else "strict"
    with opener() as raw:
        yield io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")


def inspect(opener: Opener, filename: str) -> FileShape:
    """Detect format, encoding and delimiter, and read the header (vCards
    have the fixed ``VCARD_COLUMNS``). Raises Unreadable."""
    with opener() as raw:
        sample = raw.read(SAMPLE_BYTES)
    if not sample.strip():
        raise Unreadable("The file is empty.")
    file_format = guess_format(filename, sample)
    shape = FileShape(file_format, "", "", [])
    if file_format in ("csv", "vcf"):
        encoding = detect_encoding(sample)
        shape = FileShape(file_format, encoding, "", [])
        if file_format == "csv":
            text = sample.decode(encoding, errors="ignore")
            shape = FileShape(file_format, encoding, detect_delimiter(text), [])
    headers = VCARD_COLUMNS if file_format == "vcf" else _read_header(opener, shape)
    shape = FileShape(shape.file_format, shape.encoding, shape.delimiter, list(headers))
    if file_format == "vcf":
        next(iter(rows(opener, shape)), None)  # a file whose first card does not parse
    return shape


def _read_header(opener: Opener, shape: FileShape) -> list[str]:
    for row in _raw_rows(opener, shape):
        headers = [str(cell).strip() if cell is not None else "" for cell in row]
        if len(set(filter(None, headers))) != len([h for h in headers if h]):
            raise Unreadable("The header names a column twice.")
        return [header or f"({index + 1})" for index, header in enumerate(headers)]
    raise Unreadable("The file holds no header row.")


def rows(opener: Opener, shape: FileShape) -> Iterator[list[Cell]]:
    """The rows after the header, each a list of cells (one per header; a
    row may be longer when it holds more cells than the header names)."""
    source = _raw_rows(opener, shape)
    if shape.file_format != "vcf":
        next(source, None)  # the header
    for row in source:
        width = len(shape.headers)
        yield row + [None] * (width - len(row)) if len(row) < width else row


def _storable(cell: Any) -> Any:
    if isinstance(cell, str):
        return storable(cell)
    if isinstance(cell, list):
        return [_storable(item) for item in cell]
    return cell


def _raw_rows(opener: Opener, shape: FileShape) -> Iterator[list[Cell]]:
    """Every row of the file; a character no database can store (NUL, an
    unpaired surrogate) becomes U+FFFD, so the row can be kept and reported."""
    for row in _file_rows(opener, shape):
        yield [_storable(cell) for cell in row]


def _file_rows(opener: Opener, shape: FileShape) -> Iterator[list[Cell]]:
    try:
        if shape.file_format == "csv":
            yield from _csv_rows(opener, shape)
        elif shape.file_format == "xlsx":
            yield from _xlsx_rows(opener)
        else:
            yield from _vcard_rows(opener, shape)
    except UnicodeDecodeError as exc:
        raise Unreadable(
            f"The file is not {shape.encoding} text throughout: {exc.reason}."
        ) from exc
    except csv.Error as exc:
        raise Unreadable(f"The CSV file cannot be read: {exc}.") from exc


def _csv_rows(opener: Opener, shape: FileShape) -> Iterator[list[Cell]]:
    with _text(opener, shape.encoding) as text:
        for row in csv.reader(text, delimiter=shape.delimiter):
            if row and not all(_blank(cell) for cell in row):
                yield _trimmed(list(row))


def _xlsx_rows(opener: Opener) -> Iterator[list[Cell]]:
    # Imported when a workbook is read (see kontor/core/pdf.py).
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with opener() as raw:
        # openpyxl reads from a seekable file; storage files are.
        try:
            workbook = load_workbook(raw, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise Unreadable("The file is not an XLSX workbook.") from exc
        try:
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                row = [_xlsx_cell(value) for value in values]
                if not all(_blank(cell) for cell in row):
                    yield _trimmed(row)
        finally:
            workbook.close()


def _xlsx_cell(value: Any) -> Cell:
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float | str | datetime.date) or value is None:
        return value
    return str(value)


def _vcard_rows(opener: Opener, shape: FileShape) -> Iterator[list[Cell]]:
    with _text(opener, shape.encoding) as text:
        try:
            for card in vobject.readComponents(text, ignoreUnreadable=True):
                if card.name != "VCARD":
                    continue
                row = _card_row(card)
                if not all(_blank(cell) for cell in row):
                    yield row
        except vobject.base.ParseError as exc:
            raise Unreadable(f"The vCard file cannot be read: {exc}.") from exc


def _types(line: Any) -> set[str]:
    types = set()
    for value in line.params.get("TYPE", []):
        types.update(part.strip().lower() for part in str(value).split(","))
    return types


def _card_row(card: Any) -> list[Cell]:
    contents = card.contents
    given = family = ""
    if "n" in contents:
        name = contents["n"][0].value
        given = " ".join(filter(None, [name.given, name.additional])).strip()
        family = str(name.family or "").strip()
    full = str(contents["fn"][0].value).strip() if "fn" in contents else ""
    emails = [str(line.value).strip() for line in contents.get("email", [])]
    phones: dict[str, list[str]] = {"work": [], "home": [], "cell": [], "fax": []}
    for line in contents.get("tel", []):
        types = _types(line)
        kind = next((k for k in ("fax", "cell", "home") if k in types), "work")
        if "mobile" in types or "iphone" in types:
            kind = "cell"
        phones[kind].append(str(line.value).removeprefix("tel:").strip())
    organization = ""
    if "org" in contents:
        value = contents["org"][0].value
        organization = (value[0] if isinstance(value, list) and value else str(value)).strip()
    addresses = [_address(line.value) for line in contents.get("adr", [])]
    return [
        full,
        given,
        family,
        [e for e in emails if e],
        [p for p in phones["work"] if p],
        [p for p in phones["home"] if p],
        [p for p in phones["cell"] if p],
        [p for p in phones["fax"] if p],
        organization,
        "; ".join(str(line.value).strip() for line in contents.get("title", [])),
        [a for a in addresses if a],
        "; ".join(str(line.value).strip() for line in contents.get("url", [])),
        "\n".join(str(line.value).strip() for line in contents.get("note", [])),
    ]


def _address(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("\n", ", ").strip()
    street = " ".join(filter(None, [value.box, value.extended, value.street])).strip()
    place = " ".join(filter(None, [value.code, value.city])).strip()
    parts = [street, place, value.region, value.country]
    return ", ".join(str(part).strip() for part in parts if part and str(part).strip())


def count_rows(opener: Opener, shape: FileShape) -> int:
    return sum(1 for _row in rows(opener, shape))
