"""``kontor bench --duplicates-planted N``: the duplicate scan measured on a
database that already holds its contacts (one made by ``kontor generate``).

N of its contacts are picked at random (seeded), a second record of each is
planted in one of the three ways ``duplicates_bench`` knows, written as the
generator writes its rows (COPY on PostgreSQL) with their search rows; then
the full scan runs, timed, and the planted contacts are removed again unless
kept, so that the same database can be measured again.

Recall: the share of the planted pairs that the scan kept with a score of at
least 0.8. Precision: among the pairs with a score of at least 0.8 that
involve a planted contact, the share that are the planted pair itself (the
other ones pair the second record with a contact that is not its original)."""

import datetime
import random
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from kontor.contacts.models import Contact, EmailAddress, LifecycleStage, PhoneNumber
from kontor.contacts.normalization import normalize_email
from kontor.contacts.search import refresh_contact_search
from kontor.core.processes import peak_rss_mb
from kontor.dedupe.models import BlockingKey, DuplicatePair
from kontor.dedupe.scan import ordered_pair, scan_all
from kontor.perf.bulk import uuid7_at, write_rows
from kontor.perf.duplicates_bench import (
    FOUND_SCORE,
    OTHER_PROVIDER,
    RESPELLED_SAME_EMAIL,
    SAME_PHONE_TYPO,
    WAY_NAMES,
    planted_copy,
)
from kontor.perf.generate import EMAIL_COLUMNS, PHONE_COLUMNS

# Every planted contact's notes start with this, so that they can be told
# from the generated ones (and found, should a run be killed before it
# removed them).
PLANTED_NOTE = "kontor bench: planted duplicate of "
CHUNK = 1000
CONTACT_COLUMNS = ["id", "created_at", "updated_at", "lifecycle_stage", "notes", "custom",
                   "version", "first_name", "last_name", "display_name", "owner_id"]  # fmt: skip


def _children_cpu() -> float:
    """The processor time of the ended processes this one started (the
    scan's other processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pick_originals(count: int, rng: random.Random) -> list[Any]:
    """``count`` contacts with a surname drawn uniformly at random (a
    reservoir sample over the contacts in key order, so that one seed picks
    the same ones of the same data), none of them planted."""
    picked: list[Any] = []
    candidates = (
        Contact.objects.exclude(last_name="")
        .exclude(notes__startswith=PLANTED_NOTE)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=10_000)
    )
    for seen, pk in enumerate(candidates):
        if seen < count:
            picked.append(pk)
        else:
            slot = rng.randrange(seen + 1)
            if slot < count:
                picked[slot] = pk
    return picked


def _originals(ids: Sequence[Any]) -> list[dict[str, Any]]:
    """The picked contacts as the services take them (each one's first email
    address as typed and first phone number with its derived forms)."""
    records: dict[Any, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for pk, first, last, owner in Contact.objects.filter(pk__in=chunk).values_list(
            "pk", "first_name", "last_name", "owner_id"
        ):
            records[pk] = {"id": pk, "first_name": first, "last_name": last, "owner_id": owner,
                           "emails": [], "phones": []}  # fmt: skip
        for pk, address in (
            EmailAddress.objects.filter(contact_id__in=chunk)
            .order_by("contact_id", "position", "id")
            .values_list("contact_id", "address")
        ):
            if not records[pk]["emails"]:
                records[pk]["emails"].append({"address": address})
        for pk, raw, e164, digits, extension in (
            PhoneNumber.objects.filter(contact_id__in=chunk)
            .order_by("contact_id", "position", "id")
            .values_list("contact_id", "raw", "e164", "digits", "extension")
        ):
            if not records[pk]["phones"]:
                records[pk]["phones"].append(
                    {"number": raw, "e164": e164, "digits": digits, "extension": extension}
                )
    return [records[pk] for pk in ids if pk in records]


def _way(rng: random.Random, original: dict[str, Any]) -> int | None:
    """One of the three ways at random, else one the contact allows (a
    contact without an email address cannot have it typed in capitals)."""
    possible = [
        way
        for way, needs in (
            (RESPELLED_SAME_EMAIL, "emails"),
            (SAME_PHONE_TYPO, "phones"),
            (OTHER_PROVIDER, "emails"),
        )
        if original[needs]
    ]
    if not possible:
        return None
    way = rng.randrange(3)
    return way if way in possible else rng.choice(possible)


def plant(originals: Sequence[dict[str, Any]], rng: random.Random) -> list[tuple[Any, Any, int]]:
    """A second record of each original, written in bulk with its email
    address or phone number and its search row; returns (original,
    planted, way) per planted contact."""
    now = datetime.datetime.now(datetime.UTC)
    contacts, emails, phones, planted = [], [], [], []
    for original in originals:
        way = _way(rng, original)
        if way is None:
            continue
        copy = planted_copy(rng, original, way)
        pk = uuid7_at(now, rng)
        first, last = copy["first_name"], copy["last_name"]
        contacts.append(
            (pk, now, now, LifecycleStage.LEAD, f"{PLANTED_NOTE}{original['id']}", "{}", 1,
             first, last, f"{first} {last}".strip(), original["owner_id"])
        )  # fmt: skip
        for item in copy.get("emails", ()):
            email = normalize_email(item["address"])
            emails.append(("work", 0, email.original, email.normalized, email.domain, pk, None))
        for item in copy.get("phones", ()):
            label = "mobile" if item["e164"].startswith("+491") else "work"
            phones.append(
                (label, 0, item["number"], item["e164"], item["digits"], item["extension"], pk,
                 None)
            )  # fmt: skip
        planted.append((original["id"], pk, way))
    with transaction.atomic():
        write_rows("contacts_contact", CONTACT_COLUMNS, contacts)
        write_rows("contacts_emailaddress", EMAIL_COLUMNS, emails)
        write_rows("contacts_phonenumber", PHONE_COLUMNS, phones)
        refresh_contact_search([pk for _original, pk, _way in planted])
    return planted


def remove_planted(ids: Sequence[Any]) -> None:
    """The planted contacts gone again, with their keys and duplicate pairs."""
    for chunk in _chunks(list(ids)):
        with transaction.atomic():
            DuplicatePair.objects.filter(Q(a__in=chunk) | Q(b__in=chunk), kind="contact").delete()
            BlockingKey.objects.filter(kind="contact", record_id__in=chunk).delete()
            Contact.objects.filter(pk__in=chunk).delete()


def _pairs_of(ids: Sequence[Any]) -> dict[tuple[str, str], float]:
    """Every pair the scan kept that involves one of ``ids``, with its score."""
    pairs: dict[tuple[str, str], float] = {}
    for chunk in _chunks(list(ids)):
        for a, b, value in DuplicatePair.objects.filter(
            Q(a__in=chunk) | Q(b__in=chunk), kind="contact"
        ).values_list("a", "b", "score"):
            pairs[(str(a), str(b))] = value
    return pairs


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def planted_duplicates_bench(
    count: int, *, seed: int = 7, keep: bool = False, log: Callable[[str], None]
) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.perf_counter()
    originals = _originals(pick_originals(count, rng))
    picked_seconds = time.perf_counter() - started
    log(f"Picked {len(originals)} contacts in {picked_seconds:.1f} s; planting duplicates …")
    started = time.perf_counter()
    planted = plant(originals, rng)
    plant_seconds = time.perf_counter() - started
    planted_ids = [pk for _original, pk, _way in planted]
    log(f"Planted {len(planted)} contacts in {plant_seconds:.1f} s; scanning …")
    try:
        rss_before = peak_rss_mb()
        cpu, children_cpu = time.process_time(), _children_cpu()
        result = scan_all("contact")
        cpu = time.process_time() - cpu
        children_cpu = _children_cpu() - children_cpu
        rss_after = peak_rss_mb()
        log(f"Scanned {result.records} contacts in {result.seconds:.1f} s")
        kept = _pairs_of(planted_ids)
    finally:
        if not keep:
            started = time.perf_counter()
            remove_planted(planted_ids)
            log(f"Removed the planted contacts in {time.perf_counter() - started:.1f} s")
    wanted = {tuple(str(pk) for pk in ordered_pair(a, b)): way for a, b, way in planted}
    found = {pair for pair, value in kept.items() if value >= FOUND_SCORE}
    hits = found & wanted.keys()
    by_way = {
        WAY_NAMES[way]: _ratio(
            sum(1 for pair in hits if wanted[pair] == way),
            sum(1 for pair_way in wanted.values() if pair_way == way),
        )
        for way in (RESPELLED_SAME_EMAIL, SAME_PHONE_TYPO, OTHER_PROVIDER)
    }
    return {
        "database": connection.vendor,
        "scanned": result.records,
        "planted_pairs": len(wanted),
        "plant_seconds": round(plant_seconds, 2),
        "scan_seconds": round(result.seconds, 2),
        # The scan's own processor time (the database's not counted): on a
        # busy machine the wall time waits for a processor too.
        "scan_cpu_seconds": round(cpu, 2),
        # That of the scan's other processes (they score a share of the keys).
        "scan_other_processes_cpu_seconds": round(children_cpu, 2),
        "records_per_second": round(result.records / result.seconds) if result.seconds else None,
        "candidate_pairs": result.pairs,
        "found_score": FOUND_SCORE,
        "found_pairs_with_planted": len(found),
        "recall": _ratio(len(hits), len(wanted)),
        "recall_any_score": _ratio(len(kept.keys() & wanted.keys()), len(wanted)),
        "recall_by_way": by_way,
        "precision": _ratio(len(hits), len(found)),
        "peak_rss_mb_before_scan": rss_before,
        "peak_rss_mb": rss_after,
        "peak_rss_mb_other_processes": result.other_processes_peak_mb,
        "kept": keep,
        "remaining_planted": Contact.objects.filter(notes__startswith=PLANTED_NOTE).count(),
    }


def format_planted(report: dict[str, Any]) -> str:
    ways = ", ".join(f"{name}: {value}" for name, value in report["recall_by_way"].items())
    return "\n".join(
        [
            f"Duplicate scan of {report['scanned']} contacts ({report['database']}): "
            f"{report['scan_seconds']} s ({report['records_per_second']} records/s; "
            f"{report['scan_cpu_seconds']} s of processor time in this process, "
            f"{report['scan_other_processes_cpu_seconds']} s in the scan's other processes), "
            f"{report['candidate_pairs']} candidate pairs kept",
            f"Planted: {report['planted_pairs']} second records in {report['plant_seconds']} s"
            + (" (kept)" if report["kept"] else " (removed again)"),
            f"Recall (planted pairs found with score >= {report['found_score']}): "
            f"{report['recall']} (at any kept score: {report['recall_any_score']}; by way: "
            f"{ways})",
            f"Precision (of the {report['found_pairs_with_planted']} pairs with score >= "
            f"{report['found_score']} that involve a planted contact, the planted pair): "
            f"{report['precision']}",
            f"Peak memory of the process: {report['peak_rss_mb_before_scan']} MB before the "
            f"scan, {report['peak_rss_mb']} MB after; the scan's other processes: "
            f"{report['peak_rss_mb_other_processes'] or '-'} MB",
        ]
    )
