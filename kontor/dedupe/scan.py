"""Finding duplicate candidates: the full scan (a worker task) and the
incremental one after a record changed (an outbox consumer)."""

import json
import logging
import multiprocessing
import time
import uuid
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import combinations, groupby
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from uuid6 import uuid7

from kontor.core.bulk_insert import copy_rows
from kontor.core.processes import run
from kontor.core.records import record_type
from kontor.dedupe.keys import blocking_keys, organization_name, plain
from kontor.dedupe.models import BlockingKey, DuplicatePair, PairStatus
from kontor.dedupe.scoring import contact_name, score

logger = logging.getLogger(__name__)

# Pairs below this score are not kept.
MIN_SCORE = 0.6
# A key that more records share than this says little (a common surname):
# its records are not compared each with every other through it. The full
# scan sorts them by their name, email addresses and phone numbers and
# compares each with the WINDOW - 1 records after it (a sorted neighbourhood:
# the same person twice sorts side by side); the incremental scan and the
# lookup of a record just made leave such keys out.
MAX_BLOCK = 50
WINDOW = 2
BATCH = 500
# The full scan keeps the compared values of up to this many records (a
# record shares keys with records of other chunks); then it starts afresh.
KEPT_VALUES = 50_000
# A full scan on PostgreSQL of at least this many records scores in
# PROCESSES processes, each the keys of one share (a hash of the key).
PARALLEL_FROM = 20_000
PROCESSES = 2


@dataclass
class ScanResult:
    kind: str
    records: int
    pairs: int
    seconds: float
    # The peak memory of the scan's other processes (MB), if it had any.
    other_processes_peak_mb: float | None = None


def _live(kind: str):
    model = record_type(kind).model_class()
    queryset = model.objects.all()
    if any(f.name == "archived_at" for f in model._meta.get_fields()):
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def _values(kind: str, ids: Sequence[Any]) -> list[dict[str, Any]]:
    spec = record_type(kind).merge
    assert spec is not None, f"{kind} has no MergeSpec"
    return import_string(spec.values)(list(ids))


def _batches(kind: str, after: Any = None, until: Any = None) -> Iterator[list[dict[str, Any]]]:
    """The compared values of the live records (of those after ``after`` up
    to ``until`` in key order), BATCH at a time."""
    last = after
    queryset = _live(kind).order_by("pk").values_list("pk", flat=True)
    if until is not None:
        queryset = queryset.filter(pk__lte=until)
    while True:
        page = queryset.filter(pk__gt=last) if last is not None else queryset
        ids = list(page[:BATCH])
        if not ids:
            return
        last = ids[-1]
        yield _values(kind, ids)


def _insert_keys(kind: str, keys: Iterable[tuple[Any, str]]) -> None:
    """Many keys in few statements, without making a model instance each
    (one COPY on PostgreSQL, several times faster than INSERTs there)."""
    table = BlockingKey._meta.db_table
    columns = ("kind", "record_id", "key")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            copy_rows(table, columns, ((kind, pk, key) for pk, key in keys))
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    into = f"{connection.ops.quote_name(table)} ({quoted})"
    field = BlockingKey._meta.get_field("record_id")
    rows = [(kind, field.get_db_prep_value(pk, connection), key) for pk, key in keys]
    sql = f"INSERT INTO {into} VALUES (%s, %s, %s)"  # noqa: S608 (names from the model)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _ordered(x: Any, y: Any) -> tuple[Any, Any]:
    return (x, y) if str(x) < str(y) else (y, x)


def _save_pairs(
    kind: str,
    found: dict[tuple[Any, Any], tuple[float, list]],
    present: Container[int] | None = None,
) -> int:
    """Create or refresh the open pairs found; decided ones stay as decided.
    The pairs already there are read as values (a rescan finds most of them
    unchanged) and only the changed ones written. ``present``: the
    ``_pair_key`` of every pair there was before (the full scan's); the
    others are written without looking for them first."""
    if not found:
        return 0
    kept = 0
    now = timezone.now()
    pairs = list(found.items())
    if present is not None:
        unseen = [
            DuplicatePair(kind=kind, a=a, b=b, score=value, reasons=reasons)
            for (a, b), (value, reasons) in pairs
            if _pair_key(a, b) not in present
        ]
        # A pair the worker made meanwhile stays as it made it.
        DuplicatePair.objects.bulk_create(unseen, batch_size=BATCH, ignore_conflicts=True)
        kept += len(unseen)
        pairs = [(pair, result) for pair, result in pairs if _pair_key(*pair) in present]
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        wanted = {(str(a), str(b)) for (a, b), _ in chunk}
        existing = {
            (str(a), str(b)): (pk, status, value, reasons)
            for pk, a, b, status, value, reasons in DuplicatePair.objects.filter(
                kind=kind, a__in={a for (a, _b), _ in chunk}
            ).values_list("pk", "a", "b", "status", "score", "reasons")
            if (str(a), str(b)) in wanted
        }
        new, changed = [], []
        for (a, b), (value, reasons) in chunk:
            pair = existing.get((str(a), str(b)))
            if pair is None:
                new.append(DuplicatePair(kind=kind, a=a, b=b, score=value, reasons=reasons))
            elif pair[1] == PairStatus.OPEN and pair[2:] != (value, reasons):
                changed.append(
                    DuplicatePair(pk=pair[0], score=value, reasons=reasons, updated_at=now)
                )
        with transaction.atomic():
            DuplicatePair.objects.bulk_create(new)
            DuplicatePair.objects.bulk_update(changed, ["score", "reasons", "updated_at"])
        kept += len(chunk)
    return kept


def _pair_key(x: str, y: str) -> int:
    """A pair as one number (a 64-bit hash of the two ids as text): what the
    full scan remembers of each pair, so that its memory does not grow with
    their reasons. Two pairs of one hash (a chance of about 3 in 10^8 among a
    million pairs) would cost one of them until the next scan: left
    unscored, or kept open though stale."""
    return hash((x, y))


def _compare(
    kind: str,
    blocks: Iterable[Sequence[Any]],
    values: dict[Any, dict[str, Any]],
    known: Container[int] = (),
) -> dict[tuple[Any, Any], tuple[float, list]]:
    """The pairs of records sharing a block that score high enough; pairs
    ``known`` already (their ``_pair_key``: found through another key) are
    not scored again."""
    found: dict[tuple[Any, Any], tuple[float, list]] = {}
    seen: set[tuple[Any, Any]] = set()
    for ids in blocks:
        if len(ids) < 2:
            continue
        for x, y in _block_pairs(kind, ids, values):
            if (x, y) in seen or (known and _pair_key(x, y) in known):
                continue
            seen.add((x, y))
            value, reasons = score(kind, values[x], values[y], at_least=MIN_SCORE)
            if value >= MIN_SCORE:
                found[(x, y)] = (value, reasons)
    return found


def _neighbour_key(kind: str, values: dict[str, Any]) -> tuple:
    """What the records of a large block are sorted by: the compared name,
    then the email addresses without their domain, then the numbers."""
    if kind == "contact":
        name = plain(contact_name(values))
    else:
        name = organization_name(values.get("name") or "")
    emails = sorted(email.rpartition("@")[0] for email in values.get("emails", ()))
    return (name, emails, sorted(values.get("phones", ())), str(values["id"]))


def _block_pairs(
    kind: str, ids: Sequence[Any], values: dict[Any, dict[str, Any]]
) -> Iterator[tuple[Any, Any]]:
    """The pairs of a block to score, each as (smaller id, larger id): all
    of them in a block of up to MAX_BLOCK records, else each record with the
    WINDOW - 1 after it in the order of ``_neighbour_key``."""
    members = set(ids)
    if len(members) <= MAX_BLOCK:
        yield from combinations(sorted(members, key=str), 2)
        return
    ordered = sorted(members, key=lambda pk: _neighbour_key(kind, values[pk]))
    for i, x in enumerate(ordered):
        for y in ordered[i + 1 : i + WINDOW]:
            yield _ordered(x, y)


def _shared_blocks(kind: str, part: int = 0, parts: int = 1) -> Iterator[list[Any]]:
    """The records of each key that 2 or more records share, one key after
    the other, streamed from the keys' table; with ``parts`` > 1 (on
    PostgreSQL) only the keys whose hash falls to ``part``."""
    keys = BlockingKey.objects.filter(kind=kind)
    if parts > 1:
        keys = keys.annotate(
            share=Func(
                Func(F("key"), function="hashtext", output_field=IntegerField()),
                parts,
                function="mod",
                output_field=IntegerField(),
            )
        ).filter(share__in=(part, -part))
    shared = keys.values("key").annotate(members=Count("*")).filter(members__gte=2).values("key")
    rows = (
        BlockingKey.objects.filter(kind=kind, key__in=shared)
        .order_by("key")
        .values_list("key", "record_id")
        .iterator(chunk_size=5000)
    )
    for _key, members in groupby(rows, key=itemgetter(0)):
        # As text: the scan hashes, sorts and compares each id many times,
        # which for a UUID object runs in Python.
        yield [str(record_id) for _, record_id in members]


def _chunks_of_blocks(kind: str, part: int = 0, parts: int = 1) -> Iterator[list[list[Any]]]:
    """The shared blocks in chunks of about BATCH records."""
    chunk: list[list[Any]] = []
    records = 0
    for block in _shared_blocks(kind, part, parts):
        chunk.append(block)
        records += len(block)
        if records >= BATCH:
            yield chunk
            chunk, records = [], 0
    if chunk:
        yield chunk


def scan_all(kind: str, *, processes: int | None = None) -> ScanResult:
    """Rebuild the blocking keys of every live record of ``kind`` and compare
    the records that share one. Open pairs no longer found are dropped.

    Memory follows KEPT_VALUES, not the number of records: the keys are
    written batch by batch, then read back key by key, the values of a
    chunk's records are read when the chunk needs them, and the pairs a
    chunk finds are written with it.

    On PostgreSQL the pairs found go to a scratch table and are merged into
    the pairs' table by a few statements at the end; a scan of at least
    PARALLEL_FROM records, outside a transaction, is shared out over
    ``processes`` (default PROCESSES) processes: each writes the keys of a
    range of the records, then scores the blocks of a share of the keys."""
    started = time.monotonic()
    BlockingKey.objects.filter(kind=kind).delete()
    if connection.vendor != "postgresql":
        count = _write_keys(kind)
        return ScanResult(kind, count, _scan_here(kind), time.monotonic() - started)
    if connection.in_atomic_block:
        processes = 1  # the other processes would not see the keys
    elif processes is None:
        processes = PROCESSES if _live(kind).count() >= PARALLEL_FROM else 1
    count, pairs, peak = _scan_postgresql(kind, processes)
    return ScanResult(kind, count, pairs, time.monotonic() - started, peak)


def _write_keys(kind: str, after: Any = None, until: Any = None) -> int:
    """The keys of the live records (after ``after`` up to ``until``)."""
    count = 0
    for batch in _batches(kind, after, until):
        count += len(batch)
        keys = [(item["id"], key) for item in batch for key in blocking_keys(kind, item)]
        _insert_keys(kind, keys)
    return count


def _scan_here(kind: str) -> int:
    """The comparison in this process, each chunk's pairs written with it."""
    # The pairs there before: the others are new and need not be looked for
    # (on a first scan, none; the pairs table grows faster during the scan
    # than its statistics follow, and a lookup planned for an empty table
    # reads the whole table).
    present = {
        _pair_key(str(a), str(b))
        for a, b in DuplicatePair.objects.filter(kind=kind)
        .values_list("a", "b")
        .iterator(chunk_size=5000)
    }
    found: set[int] = set()
    pairs = 0
    for new in _found_by_chunk(kind, found):
        pairs += _save_pairs(kind, new, present)
    _drop_stale_pairs(kind, found)
    return pairs


def _found_by_chunk(
    kind: str, found: set[int], part: int = 0, parts: int = 1
) -> Iterator[dict[tuple[Any, Any], tuple[float, list]]]:
    """The pairs each chunk of the shared blocks (of ``part``) finds that
    ``found`` holds not yet (it is added to)."""
    values: dict[Any, dict[str, Any]] = {}
    for chunk in _chunks_of_blocks(kind, part, parts):
        if len(values) > KEPT_VALUES:
            values.clear()
        missing = {pk for block in chunk for pk in block if pk not in values}
        values.update((str(item["id"]), item) for item in _values(kind, list(missing)))
        blocks = [[pk for pk in block if pk in values] for block in chunk]
        new = _compare(kind, blocks, values, known=found)
        found.update(_pair_key(x, y) for x, y in new)
        yield new


def _scan_postgresql(kind: str, processes: int) -> tuple[int, int, float | None]:
    """The scan on PostgreSQL: the keys written, the pairs found copied into
    a scratch table, then merged into the pairs' table. With ``processes``
    > 1 the other processes write the keys of their range of the records
    and then score the blocks of their share of the keys, as this one does.
    Returns the records, the pairs and the other processes' peak memory."""
    table = connection.ops.quote_name(f"dedupe_scan_{uuid.uuid4().hex[:12]}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} (id uuid, a uuid, b uuid, score double precision, "
            "reasons jsonb)"
        )
    try:
        if processes > 1:
            count, peak = _in_processes(kind, processes, table)
        else:
            count, peak = _write_keys(kind), None
            _copy_part(kind, 0, 1, table)
        logger.info("%s: %d records scanned in %d processes", kind, count, processes)
        return count, _merge_found(kind, table), peak
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _in_processes(kind: str, processes: int, table: str) -> tuple[int, float]:
    """Keys and pairs by this process and ``processes`` - 1 others, each
    with its own connection ("spawn": nothing of this process's connections
    or state is inherited)."""
    live = _live(kind).order_by("pk").values_list("pk", flat=True)
    total = live.count()
    bounds = [None, *(str(live[total * i // processes]) for i in range(1, processes)), None]
    limits = {"MAX_BLOCK": MAX_BLOCK, "WINDOW": WINDOW, "BATCH": BATCH, "KEPT_VALUES": KEPT_VALUES}
    database = connection.settings_dict["NAME"]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes - 1, mp_context=context) as pool:
        others = [
            pool.submit(
                run, database, limits, __name__, "_write_keys", kind, bounds[i], bounds[i + 1]
            )
            for i in range(1, processes)
        ]
        count = _write_keys(kind, bounds[0], bounds[1])
        count += sum(other.result()[0] for other in others)
        others = [
            pool.submit(run, database, limits, __name__, "_copy_part", kind, part, processes, table)
            for part in range(1, processes)
        ]
        _copy_part(kind, 0, processes, table)
        peak = max(other.result()[1] for other in others)
    return count, peak


def _copy_part(kind: str, part: int, parts: int, table: str) -> None:
    """Score the blocks of ``part`` and copy the pairs kept into ``table``."""
    found: set[int] = set()
    for new in _found_by_chunk(kind, found, part, parts):
        if not new:
            continue
        with transaction.atomic():
            copy_rows(
                table,
                ("id", "a", "b", "score", "reasons"),
                ((uuid7(), a, b, value, json.dumps(r)) for (a, b), (value, r) in new.items()),
            )


def _merge_found(kind: str, table: str) -> int:
    """The pairs in ``table`` into the pairs' table: new ones created, open
    ones whose score or reasons changed refreshed, decided ones left as
    decided, open ones not found again dropped. Returns the pairs found."""
    pairs = connection.ops.quote_name(DuplicatePair._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX ON {table} (a, b)")
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SELECT count(*) FROM (SELECT DISTINCT a, b FROM {table}) AS f")  # noqa: S608
        (count,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {pairs} AS pair (id, created_at, updated_at, kind, a, b, score, "  # noqa: S608
            "reasons, status, decided_by_id) "
            "SELECT DISTINCT ON (a, b) id, now(), now(), %s, a, b, score, reasons, %s, NULL "
            f"FROM {table} ORDER BY a, b "
            "ON CONFLICT (kind, a, b) DO UPDATE SET score = EXCLUDED.score, "
            "reasons = EXCLUDED.reasons, updated_at = EXCLUDED.updated_at "
            "WHERE pair.status = %s AND (pair.score <> EXCLUDED.score "
            "OR pair.reasons <> EXCLUDED.reasons)",
            [kind, PairStatus.OPEN, PairStatus.OPEN],
        )
        cursor.execute(
            f"DELETE FROM {pairs} AS pair WHERE pair.kind = %s AND pair.status = %s "  # noqa: S608
            f"AND NOT EXISTS (SELECT FROM {table} AS found "
            "WHERE found.a = pair.a AND found.b = pair.b)",
            [kind, PairStatus.OPEN],
        )
    return count


def _drop_stale_pairs(kind: str, found: Container[int]) -> None:
    """Open pairs the full scan did not find again are dropped."""
    stale = [
        pk
        for pk, a, b in DuplicatePair.objects.filter(kind=kind, status=PairStatus.OPEN)
        .values_list("pk", "a", "b")
        .iterator(chunk_size=5000)
        if _pair_key(str(a), str(b)) not in found
    ]
    with transaction.atomic():
        for start in range(0, len(stale), BATCH):
            DuplicatePair.objects.filter(pk__in=stale[start : start + BATCH]).delete()


def scan_records(kind: str, ids: Iterable[Any]) -> int:
    """Refresh the keys and pairs of the records ``ids`` (created or changed);
    a record archived or gone loses its keys and open pairs."""
    ids = list(dict.fromkeys(UUID(str(pk)) for pk in ids))
    if not ids:
        return 0
    live = list(_live(kind).filter(pk__in=ids).values_list("pk", flat=True))
    live_ids = set(live)
    gone = [pk for pk in ids if pk not in live_ids]
    with transaction.atomic():
        BlockingKey.objects.filter(kind=kind, record_id__in=ids).delete()
        if gone:
            DuplicatePair.objects.filter(
                Q(a__in=gone) | Q(b__in=gone), kind=kind, status=PairStatus.OPEN
            ).delete()
        if not live:
            return 0
        changed = _values(kind, live)
        own_keys = {item["id"]: blocking_keys(kind, item) for item in changed}
        _insert_keys(kind, [(pk, key) for pk, keys in own_keys.items() for key in keys])
        all_keys = set().union(*own_keys.values())
        blocks: dict[str, list[Any]] = defaultdict(list)
        for key, record_id in (
            BlockingKey.objects.filter(kind=kind, key__in=all_keys)
            .values_list("key", "record_id")
            .iterator()
        ):
            blocks[key].append(record_id)
        others = {pk for members in blocks.values() if len(members) <= MAX_BLOCK for pk in members}
        others -= set(own_keys)
        values = {item["id"]: item for item in changed}
        others_list = list(_live(kind).filter(pk__in=others).values_list("pk", flat=True))
        values.update({item["id"]: item for item in _values(kind, others_list)})
        relevant = [
            [pk for pk in members if pk in values]
            for members in blocks.values()
            if any(pk in own_keys for pk in members)
        ]
        found = _compare(kind, relevant, values)
        found = {pair: v for pair, v in found.items() if pair[0] in own_keys or pair[1] in own_keys}
        # Pairs of these records no longer alike enough drop out.
        stale = DuplicatePair.objects.filter(
            Q(a__in=live_ids) | Q(b__in=live_ids), kind=kind, status=PairStatus.OPEN
        )
        keep = {(str(a), str(b)) for a, b in found}
        stale.exclude(pk__in=[p.pk for p in stale if (str(p.a), str(p.b)) in keep]).delete()
        return _save_pairs(kind, found)


def candidates_for(kind: str, values: dict[str, Any]) -> dict[Any, tuple[float, list]]:
    """Records that share a blocking key with ``values`` (a record just made)
    and score high enough, by an indexed lookup of the keys."""
    keys = blocking_keys(kind, values)
    if not keys:
        return {}
    blocks: dict[str, list[Any]] = defaultdict(list)
    for key, record_id in BlockingKey.objects.filter(kind=kind, key__in=keys).values_list(
        "key", "record_id"
    )[: MAX_BLOCK * len(keys)]:
        blocks[key].append(record_id)
    ids = {
        pk
        for members in blocks.values()
        if len(members) <= MAX_BLOCK
        for pk in members
        if pk != values["id"]
    }
    if not ids:
        return {}
    others = _values(kind, list(_live(kind).filter(pk__in=ids).values_list("pk", flat=True)))
    result = {}
    for other in others:
        value, reasons = score(kind, values, other)
        if value >= MIN_SCORE:
            result[other["id"]] = (value, reasons)
    return result


def ordered_pair(x: Any, y: Any) -> tuple[Any, Any]:
    return _ordered(x, y)
