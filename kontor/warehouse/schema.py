"""The star schema: every table the registry names, plus the calendar
(dim_date) that the export makes itself; their Parquet and DuckDB types;
and the schema section of docs/analytics.md, generated from the same specs
(tests/warehouse/test_docs.py keeps the page equal to it)."""

import datetime
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from kontor.core.records import RecordType, WarehouseColumn, WarehouseSpec, warehouse_tables

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal(16,2)": pa.decimal128(16, 2),
    "decimal(18,4)": pa.decimal128(18, 4),
    "decimal(14,3)": pa.decimal128(14, 3),
    "decimal(5,2)": pa.decimal128(5, 2),
}
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "decimal(16,2)": "DECIMAL(16,2)",
    "decimal(18,4)": "DECIMAL(18,4)",
    "decimal(14,3)": "DECIMAL(14,3)",
    "decimal(5,2)": "DECIMAL(5,2)",
}

C = WarehouseColumn
DATE = WarehouseSpec(
    table="dim_date",
    key=("date",),
    whole=True,
    description=(
        "The calendar: every day from the first of January of the earliest year a "
        "date column of the export names to the end of the following year."
    ),
    columns=(
        C("date", "date"),
        C("year", "int32"),
        C("quarter", "int32"),
        C("month", "int32"),
        C("day", "int32"),
        C("year_quarter", "string", "2026-Q1"),
        C("year_month", "string", "2026-03"),
        C("iso_year", "int32"),
        C("iso_week", "int32"),
        C("week_start", "date", "the Monday of the ISO week"),
        C("day_of_week", "int32", "1 = Monday … 7 = Sunday"),
        C("is_weekend", "bool"),
    ),
)


def tables() -> list[tuple[RecordType | None, WarehouseSpec]]:
    """Every table of the export, by name."""
    return sorted([*warehouse_tables(), (None, DATE)], key=lambda pair: pair[1].table)


def table(name: str) -> WarehouseSpec:
    for _kind, spec in tables():
        if spec.table == name:
            return spec
    raise LookupError(f"{name} is no warehouse table")


def arrow_schema(spec: WarehouseSpec) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in spec.columns])


def date_rows(first: datetime.date, last: datetime.date) -> Iterator[dict[str, Any]]:
    day = first
    while day <= last:
        iso = day.isocalendar()
        quarter = (day.month - 1) // 3 + 1
        yield {
            "date": day,
            "year": day.year,
            "quarter": quarter,
            "month": day.month,
            "day": day.day,
            "year_quarter": f"{day.year}-Q{quarter}",
            "year_month": f"{day.year}-{day.month:02d}",
            "iso_year": iso.year,
            "iso_week": iso.week,
            "week_start": day - datetime.timedelta(days=iso.weekday - 1),
            "day_of_week": iso.weekday,
            "is_weekend": iso.weekday >= 6,
        }
        day += datetime.timedelta(days=1)


def schema_markdown() -> str:
    """The schema section of docs/analytics.md."""
    parts = []
    for _kind, spec in tables():
        parts.append(f"### `{spec.table}`\n\n{spec.description}")
        how = (
            "every export writes it whole"
            if spec.whole
            else (
                "kept day by day; a full export keeps the earlier days"
                if spec.snapshot
                else "incremental: each export adds the rows changed since the last"
            )
        )
        parts.append(f"Key: {', '.join(f'`{k}`' for k in spec.key)} — {how}.")
        lines = ["| column | type | notes |", "|---|---|---|"]
        for column in spec.columns:
            notes = column.description
            if column.user == "id":
                notes = f"{notes}; pseudonymized in works-council mode".lstrip("; ")
            lines.append(f"| `{column.name}` | {DUCKDB_TYPES[column.type]} | {notes} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
