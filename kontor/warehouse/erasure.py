"""GDPR erasure in the warehouse exports (kontor.core.erasure): every part
file of every export folder (``KONTOR_WAREHOUSE_DIR`` and every folder an
export ran into, from the watermarks) is read, and a part with a row of an
erased record (any column holding its id) or a row naming the person is
written again without those rows (a temporary file renamed over the old
one). The watermarks stay: the next run exports what changed since, and the
erased records are no longer in the database to come back."""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.translation import gettext_noop

from kontor.core.erasure import Erasure
from kontor.warehouse.export import PART_GLOB
from kontor.warehouse.models import Watermark


def export_directories() -> list[Path]:
    found = {Path(directory) for directory in Watermark.objects.values_list("directory", flat=True)}
    if settings.KONTOR_WAREHOUSE_DIR:
        found.add(Path(settings.KONTOR_WAREHOUSE_DIR).resolve())
    return sorted(directory for directory in found if directory.is_dir())


def _matching_rows(table: pa.Table, ids: list[str], texts: list[str]) -> pa.ChunkedArray | None:
    mask = None
    for column in table.itercolumns():
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        hit = pc.is_in(column, value_set=pa.array(ids, type=column.type))
        for text in texts:
            hit = pc.or_kleene(hit, pc.match_substring(column, text.lower(), ignore_case=True))
        hit = pc.fill_null(hit, False)
        mask = hit if mask is None else pc.or_(mask, hit)
    return mask


def erase_part(part: Path, ids: list[str], texts: list[str]) -> int:
    """Write ``part`` again without the rows of these ids or texts; how many went."""
    table = pq.read_table(part)
    mask = _matching_rows(table, ids, texts)
    if mask is None:
        return 0
    removed = pc.sum(mask).as_py() or 0
    if not removed:
        return 0
    kept = table.filter(pc.invert(mask))
    temporary = part.with_name(f".{part.name}.erasure.tmp")
    pq.write_table(kept, temporary, compression="zstd")
    temporary.replace(part)
    return removed


def _erase_from_parts(ids: list[str], texts: list[str]) -> int:
    removed = 0
    for directory in export_directories():
        for part in sorted(directory.glob(f"*/{PART_GLOB}")):
            removed += erase_part(part, ids, texts)
    return removed


def erase_from_exports(erasure: Erasure) -> None:
    removed = _erase_from_parts(sorted(erasure.record_ids()), erasure.identifiers.all())
    erasure.removed(gettext_noop("warehouse export rows"), removed)


def remove_record_rows(ids: list[str]) -> int:
    """Every exported row of these records, or naming one of them by id (a
    fact row of a restricted person), leaves the part files; how many went.
    While they are restricted the export writes none again
    (``restricted_ids`` in kontor.warehouse.export)."""
    return _erase_from_parts(sorted(ids), [])
