"""Exporting a list: the records a list shows its user, with the filters it
was given, as a CSV, XLSX or vCard file.

The generic part of every list's export. A record type describes its
columns and how to read a batch of its records in its ``ExportSpec``
(kontor.core.records); its API and pages hand over the queryset of their
list. Here the export right is checked, the list is narrowed to the
records the user may export (``restrict`` with the export level), the
columns the user may not read are left out as in the API's answers, and one
audit entry records who exported what."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kontor.access.grants import User
from kontor.access.policy import CUSTOM_PREFIX, fields_for, may_use_level, restrict
from kontor.access.rights import Action
from kontor.access.sensitive import sensitive_values
from kontor.audit.services import audit_export
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import SENSITIVE_CATEGORIES, RecordType, record_type
from kontor.customfields.selectors import definitions_for
from kontor.exports import formats

# Records read from the database at a time: memory stays flat however long the list.
BATCH = 1000


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8"),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "vcf": Format("vcf", "text/vcard; charset=utf-8"),
}


@dataclass(frozen=True)
class Export:
    """A started export: its file's name and type, and its bytes, which are
    read from the database as they are sent."""

    filename: str
    content_type: str
    count: int
    columns: list[str]
    chunks: Iterator[bytes]


def _exportable(key: str) -> RecordType:
    kind = record_type(key)
    if kind.export is None:
        raise LookupError(f"{key!r} registers no export")
    return kind


def export_columns(user: User, key: str) -> list[str]:
    """The columns of ``key``'s export that ``user`` may read: the built-in
    ones whose fields the API would show them, then the custom fields of
    categories they may read, in the administrator's order."""
    kind = _exportable(key)
    assert kind.export is not None
    fields = fields_for(user, key)
    hidden = fields.hidden_output_keys()
    columns = [column for column in kind.export.columns if column not in hidden]
    if kind.custom_fields:
        columns += [
            f"{CUSTOM_PREFIX}{definition.key}"
            for definition in definitions_for(key)
            if fields.may_read(f"{CUSTOM_PREFIX}{definition.key}")
        ]
    return columns


def _custom_values(record: Model, columns: list[str], *, decrypt: bool) -> dict[str, Any]:
    """The record's values of the custom ``columns`` (all readable by the
    exporting user); encrypted ones are read only when a financial or
    special column is exported. The export's audit entry names those
    columns, so no entry per record is needed."""
    stored = dict(getattr(record, "custom", None) or {})
    if decrypt:
        stored.update(sensitive_values(record))
    return {column: stored.get(column.removeprefix(CUSTOM_PREFIX)) for column in columns}


def _batches(
    user: User, kind: RecordType, records: QuerySet, columns: list[str], *, decrypt: bool
) -> Iterator[list[dict[str, Any]]]:
    assert kind.export is not None
    rows_of = import_string(kind.export.rows)
    custom = [column for column in columns if column.startswith(CUSTOM_PREFIX)]
    built_in = [column for column in columns if not column.startswith(CUSTOM_PREFIX)]
    # Without the list's prefetches: ``rows`` reads what a batch needs in one
    # query per relation, far cheaper than Django's prefetching per chunk.
    iterator = records.prefetch_related(None).iterator(chunk_size=BATCH)
    while batch := list(islice(iterator, BATCH)):
        rows = []
        for record, values in zip(batch, rows_of(user, batch), strict=True):
            row = {column: values.get(column) for column in built_in}
            if custom:
                row.update(_custom_values(record, custom, decrypt=decrypt))
            # Always there for a card's UID, never a column the user did not get.
            row.setdefault("id", values.get("id"))
            rows.append(row)
        yield rows


def _json_safe(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {key: str(value) for key, value in filters.items() if value not in (None, "")}


def export_records(
    *,
    actor: User,
    key: str,
    records: QuerySet,
    export_format: str,
    filters: Mapping[str, Any],
    order: tuple[str, ...],
    delimiter: str = "comma",
) -> Export:
    """Start exporting ``records`` (the list of type ``key`` as ``actor``
    sees it with ``filters``) as ``export_format`` (csv, xlsx, vcf).

    Raises PermissionDenied without the export right on the type, and
    FieldErrors for an unknown format or delimiter. The audit entry is
    written now, with the number of records at this moment."""
    kind = _exportable(key)
    assert kind.export is not None
    if export_format not in FORMATS:
        raise FieldErrors.single(
            "format", _("must be one of: %(values)s") % {"values": ", ".join(FORMATS)}
        )
    if delimiter not in formats.DELIMITERS:
        raise FieldErrors.single(
            "delimiter",
            _("must be one of: %(values)s") % {"values": ", ".join(formats.DELIMITERS)},
        )
    if export_format == "vcf" and not kind.export.vcard:
        raise FieldErrors.single(
            "format", _("%(types)s have no vCard export") % {"types": kind.label_plural}
        )
    if not may_use_level(actor, key, Action.EXPORT):
        raise PermissionDenied(
            _("You may not export %(types)s: your roles grant no export right for them.")
            % {"types": kind.label_plural}
        )
    records = restrict(records, actor, key, action=Action.EXPORT).order_by(*order)
    count = records.count()
    columns = export_columns(actor, key)
    fields = fields_for(actor, key)
    sensitive = any(fields.category(column) in SENSITIVE_CATEGORIES for column in columns)
    audit_export(
        actor=actor,
        object_type=key,
        count=count,
        description=f"{export_format} ({count})",
        fields=columns,
        details={"format": export_format, "filters": _json_safe(filters)},
        sensitive=sensitive,
    )
    batches = _batches(actor, kind, records, columns, decrypt=sensitive)
    if export_format == "csv":
        chunks = formats.csv_chunks(columns, batches, delimiter=formats.DELIMITERS[delimiter])
    elif export_format == "xlsx":
        chunks = formats.xlsx_chunks(columns, batches, title=str(kind.label_plural))
    else:
        chunks = formats.vcard_chunks(
            batches, properties=dict(kind.export.vcard), kind=kind.export.vcard_kind
        )
    name = slugify(str(kind.label_plural)) or key
    return Export(
        filename=f"{name}-{timezone.localdate():%Y-%m-%d}.{FORMATS[export_format].extension}",
        content_type=FORMATS[export_format].content_type,
        count=count,
        columns=columns,
        chunks=chunks,
    )
