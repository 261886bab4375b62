"""``kontor warehouse query``: DuckDB over an export. Each table is a view
by its name over the part files in its folder that keeps, for each key,
the row of the newest part (an incremental export adds a changed row again
in its own part)."""

import csv
import io
from pathlib import Path
from typing import Any

import duckdb

from kontor.warehouse.export import PART_GLOB
from kontor.warehouse.schema import tables


def connect(directory: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view for every table the export holds."""
    connection = duckdb.connect()
    for _kind, spec in tables():
        folder = directory / spec.table
        if not any(folder.glob(PART_GLOB)):
            continue
        source = str(folder / PART_GLOB).replace("'", "''")
        key = ", ".join(spec.key)
        # Table and column names from the registry, the path quoted.
        connection.execute(
            f"CREATE VIEW {spec.table} AS SELECT * EXCLUDE (filename, kontor_rank) FROM ("  # noqa: S608
            f"SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY filename DESC) "
            f"AS kontor_rank FROM read_parquet('{source}', filename = true)"
            ") WHERE kontor_rank = 1"
        )
    return connection


def run(directory: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = connect(directory)
    try:
        result = connection.execute(sql)
        columns = [d[0] for d in result.description or ()]
        return columns, result.fetchall()
    finally:
        connection.close()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def as_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [
        " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
        "-+-".join("-" * w for w in widths),
    ]
    for row in cells:
        lines.append(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def as_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue()
