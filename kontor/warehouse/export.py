"""``kontor warehouse export``: the star schema as Parquet, one folder per
table under the export's folder.

An export is a run with an id (its start time and a few random letters).
For each table it asks the owning app for the rows changed since the
table's watermark (all rows the first time, with ``full``, and for the
small ``whole`` tables) and writes them as one part file,
``part-<run id>.parquet``, in row groups of ``BATCH_ROWS`` rows, so that
memory stays flat however big the table. A full export, and every export of
a ``whole`` table, then removes the earlier parts (a snapshot table keeps
them: the database can not give its past days again). The watermark moves
to the run's start only after the part is in place: a run killed halfway
writes its rows again next time, and a reader keeps the newest row of each
key (kontor.warehouse.query).

Privacy: in works-council mode every column that names a user by id holds a
keyed pseudonym instead (HMAC with the secret key: stable, so joins still
work) and columns with a user's name are left empty. A column that holds a
record's field is personal data when the field's category (as the
administrator set it) is not standard or when the record type's records are
persons (a contact); such columns are left empty or pseudonymized as
KONTOR_WAREHOUSE_PERSONAL_DATA says. Rows of a person whose processing is
restricted (GDPR Art. 18), and every row that names them by id, are left
out while the restriction lasts."""

import datetime
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from kontor.access.selectors import field_category_list
from kontor.access.works_council import is_on as works_council_mode
from kontor.core.db_router import replica_reads_until
from kontor.core.records import Category, RecordType, WarehouseSpec, record_types
from kontor.warehouse.models import Watermark
from kontor.warehouse.schema import DATE, arrow_schema, date_rows, tables

BATCH_ROWS = 50_000
PART_GLOB = "part-*.parquet"


@dataclass
class ExportReport:
    run_id: str
    full: bool
    rows: dict[str, int] = field(default_factory=dict)


def pseudonym(kind: str, value: Any) -> str:
    """A stable keyed pseudonym of ``value``: the same value gives the same
    pseudonym in every export made with the same secret key."""
    return salted_hmac(f"kontor.warehouse.{kind}", str(value), algorithm="sha256").hexdigest()[:24]


Categories = dict[tuple[str, str], str]


def field_categories() -> Categories:
    """Each field's category as the administrator set it (or its default)."""
    return {(f.object_type, f.field): f.category for f in field_category_list()}


def is_personal(kind: RecordType | None, field_key: str, categories: Categories) -> bool:
    if kind is None or not field_key:
        return False
    spec = kind.field(field_key)
    default = spec.category if spec is not None else Category.STANDARD
    category = categories.get((kind.key, field_key), default)
    about_a_person = kind.personal_data is not None and "" in kind.personal_data.links
    return about_a_person or category != Category.STANDARD


def privacy_rules(
    kind: RecordType | None, spec: WarehouseSpec, categories: Categories
) -> dict[str, Callable[[Any], Any]]:
    """For each column the export may not write as it is: what to write."""
    rules: dict[str, Callable[[Any], Any]] = {}
    pseudonymize = settings.KONTOR_WAREHOUSE_PERSONAL_DATA == "pseudonymize"
    for column in spec.columns:
        if column.user and works_council_mode():
            if column.user == "id":
                rules[column.name] = lambda v: None if v is None else pseudonym("user", v)
            else:
                rules[column.name] = lambda v: None
        elif is_personal(kind, column.field, categories):
            if pseudonymize:
                rules[column.name] = lambda v, key=column.field: (
                    None if v in (None, "") else pseudonym(f"{kind.key}.{key}", v)  # type: ignore[union-attr]
                )
            else:
                rules[column.name] = lambda v: None
    return rules


def restricted_ids() -> frozenset[str]:
    """The ids of the records whose processing is restricted (a type's
    ``restricted_by`` field of its own), as the rows hold them."""
    ids: set[str] = set()
    for kind in record_types():
        for path in kind.restricted_by:
            if "__" not in path:
                model = kind.model_class()
                found = model._default_manager.filter(**{f"{path}__isnull": False})
                ids.update(str(pk) for pk in found.values_list("pk", flat=True))
    return frozenset(ids)


def _without_restricted(
    rows: Iterable[dict[str, Any]], restricted: frozenset[str]
) -> Iterator[dict[str, Any]]:
    for row in rows:
        if not any(str(value) in restricted for value in row.values() if value is not None):
            yield row


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def write_part(
    folder: Path,
    run_id: str,
    spec: WarehouseSpec,
    rows: Iterable[dict[str, Any]],
    rules: dict[str, Callable[[Any], Any]],
    *,
    always: bool,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Write ``rows`` as the run's part of the table (not at all when there
    are none, unless ``always``: a table's folder is never left without a
    part). Returns how many rows it wrote."""
    schema = arrow_schema(spec)
    names = [c.name for c in spec.columns]
    temporary = folder / f".part-{run_id}.parquet.tmp"
    count = 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in _batches(rows, batch_rows):
            if writer is None:
                writer = pq.ParquetWriter(temporary, schema, compression="zstd")
            columns = {name: [row.get(name) for row in batch] for name in names}
            for name, rule in rules.items():
                columns[name] = [rule(value) for value in columns[name]]
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
            count += len(batch)
        if writer is None and always:
            writer = pq.ParquetWriter(temporary, schema, compression="zstd")
            writer.write_table(schema.empty_table())
    except BaseException:
        if writer is not None:
            writer.close()
        temporary.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
        temporary.rename(folder / f"part-{run_id}.parquet")
    return count


def _remove_other_parts(folder: Path, run_id: str) -> None:
    for part in folder.glob(PART_GLOB):
        if part.name != f"part-{run_id}.parquet":
            part.unlink()


def export_table(
    directory: Path,
    kind: RecordType | None,
    spec: WarehouseSpec,
    *,
    run_id: str,
    started: datetime.datetime,
    full: bool,
    until: datetime.datetime | None = None,
    batch_rows: int = BATCH_ROWS,
    categories: Categories | None = None,
    restricted: frozenset[str] | None = None,
) -> int:
    folder = directory / spec.table
    folder.mkdir(parents=True, exist_ok=True)
    watermark = Watermark.objects.filter(directory=str(directory), table=spec.table).first()
    rewrite = spec.whole or (full and not spec.snapshot)
    empty = not any(folder.glob(PART_GLOB))
    since = None if full or spec.whole or empty or watermark is None else watermark.exported_until
    rows = import_string(spec.rows)(since, timezone.localdate(started))
    restricted = restricted_ids() if restricted is None else restricted
    if restricted:
        rows = _without_restricted(rows, restricted)
    count = write_part(
        folder,
        run_id,
        spec,
        rows,
        privacy_rules(kind, spec, field_categories() if categories is None else categories),
        always=rewrite or empty,
        batch_rows=batch_rows,
    )
    if rewrite:
        _remove_other_parts(folder, run_id)
    Watermark.objects.update_or_create(
        directory=str(directory),
        table=spec.table,
        defaults={"exported_until": until or started, "run_id": run_id, "rows": count},
    )
    return count


def _calendar_range(directory: Path, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first of January of the earliest year any date column of
    the export names to the end of the year after the latest (or today's)."""
    first, last = today, today
    connection = duckdb.connect()
    try:
        for _kind, spec in tables():
            dates = [c.name for c in spec.columns if c.type == "date"]
            folder = directory / spec.table
            if spec is DATE or not dates or not any(folder.glob(PART_GLOB)):
                continue
            source = str(folder / PART_GLOB).replace("'", "''")
            # Column names from the registry, the path quoted.
            selects = ", ".join(f"min({n}), max({n})" for n in dates)
            sql = f"SELECT {selects} FROM read_parquet('{source}')"  # noqa: S608
            found = connection.execute(sql).fetchone()
            values = [v for v in (found or ()) if v is not None]
            if values:
                first, last = min(first, *values), max(last, *values)
    finally:
        connection.close()
    return datetime.date(first.year, 1, 1), datetime.date(last.year + 1, 12, 31)


def new_run_id(started: datetime.datetime) -> str:
    return f"{started.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(3)}"


def export(
    directory: Path,
    *,
    full: bool = False,
    batch_rows: int = BATCH_ROWS,
    log: Callable[[str], None] = lambda message: None,
) -> ExportReport:
    """Export into ``directory``; a table whose folder there holds no part
    yet is written whole."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    report = ExportReport(run_id=new_run_id(started), full=full)
    # On a replica the watermark stops at its last replayed commit: rows the
    # replica had not yet received are exported next time.
    with replica_reads_until(started) as (replica, until):
        if replica is not None:
            log(f"reading from {replica}, replayed until {until.isoformat()}")
        categories = field_categories()
        restricted = restricted_ids()
        for kind, spec in tables():
            if spec is DATE:
                continue
            report.rows[spec.table] = export_table(
                directory,
                kind,
                spec,
                run_id=report.run_id,
                started=started,
                until=until,
                full=full,
                batch_rows=batch_rows,
                categories=categories,
                restricted=restricted,
            )
            log(f"{spec.table}: {report.rows[spec.table]}")
    first, last = _calendar_range(directory, timezone.localdate(started))
    folder = directory / DATE.table
    folder.mkdir(exist_ok=True)
    report.rows[DATE.table] = write_part(
        folder, report.run_id, DATE, date_rows(first, last), {}, always=True
    )
    _remove_other_parts(folder, report.run_id)
    return report
