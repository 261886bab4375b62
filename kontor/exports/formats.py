"""The files of a list export: CSV, XLSX and vCard 4.0, each written from
batches of rows (``{column: value}``) as chunks of bytes, so that a large
export never sits in memory as a whole.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (CSV injection): such CSV cells get a leading apostrophe, unless
they are a plain number (``+4930123456``, ``-12.50``); XLSX cells are
written as text, which no spreadsheet evaluates."""

import csv
import datetime
import decimal
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import vobject
from django.utils import timezone

Row = Mapping[str, Any]
Batches = Iterable[list[Row]]

BOM = "\ufeff"
DELIMITERS = {"comma": ",", "semicolon": ";"}
FILE_CHUNK = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d .,]*$")
# XLSX sheet names: at most 31 characters, none of these.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def text_of(value: Any) -> str:
    """A value as one cell's text: lists joined with commas, times in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text_of(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def neutralized(text: str) -> str:
    """``text`` that no spreadsheet runs as a formula."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return f"'{text}"
    return text


# CSV ---------------------------------------------------------------------------


def csv_chunks(columns: list[str], batches: Batches, *, delimiter: str = ",") -> Iterator[bytes]:
    """UTF-8 with a byte order mark (Excel then reads umlauts right), a
    header of column keys, one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow([neutralized(text_of(row.get(column))) for column in columns])
        yield buffer.getvalue().encode()


# XLSX --------------------------------------------------------------------------


def sheet_name(title: str) -> str:
    return _SHEET_NAME_FORBIDDEN.sub("-", title)[:31] or "Export"


def xlsx_chunks(columns: list[str], batches: Batches, *, title: str) -> Iterator[bytes]:
    """One sheet, header row first, written in openpyxl's write-only mode:
    rows go to a temporary file as they come, the finished file is sent in
    chunks."""
    # Imported when a workbook is written, not by every process that loads
    # the URLs (see kontor/core/pdf.py).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name(title))

    def cell(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | decimal.Decimal):
            return value
        if isinstance(value, datetime.datetime):
            # Excel knows no time zones: the local time of the installation.
            return timezone.make_naive(value) if timezone.is_aware(value) else value
        if isinstance(value, datetime.date):
            return value
        text = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text_of(value)))
        text.data_type = "s"  # text, never a formula
        return text

    sheet.append([cell(column) for column in columns])
    for batch in batches:
        for row in batch:
            sheet.append([cell(row.get(column)) for column in columns])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK):
            yield chunk


# vCard -------------------------------------------------------------------------


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [text_of(item) for item in values if item not in (None, "")]


def vcard(row: Row, properties: Mapping[str, str], *, kind: str) -> str:
    """One vCard 4.0 (RFC 6350) of ``row``; ``properties`` maps a vCard
    property to the column that fills it."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("kind").value = kind
    if row.get("id"):
        card.add("uid").value = f"urn:uuid:{row['id']}"
    value = {prop: row.get(column) for prop, column in properties.items()}
    card.add("fn").value = text_of(value.get("fn"))
    if "n.family" in properties or "n.given" in properties:
        card.add("n").value = vobject.vcard.Name(
            family=text_of(value.get("n.family")), given=text_of(value.get("n.given"))
        )
    if org := _texts(value.get("org")):
        card.add("org").value = org[:1]
    for prop in ("email", "tel", "url"):
        for item in _texts(value.get(prop)):
            card.add(prop).value = item
    if note := text_of(value.get("note")):
        card.add("note").value = note
    if categories := _texts(value.get("categories")):
        card.add("categories").value = categories
    updated = row.get("updated_at")
    if isinstance(updated, datetime.datetime):
        card.add("rev").value = updated.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return card.serialize()


def vcard_chunks(batches: Batches, *, properties: Mapping[str, str], kind: str) -> Iterator[bytes]:
    for batch in batches:
        yield "".join(vcard(row, properties, kind=kind) for row in batch).encode()
