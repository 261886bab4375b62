"""``kontor bench --duplicates N``: N generated contacts of which some are
planted duplicates (a surname spelled another way, a typo, another email
provider), a full duplicate scan, and how many planted pairs it found
(recall) and how many of the pairs it found among the generated contacts
were planted (precision)."""

import random
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from kontor.contacts.services import contacts_create_many
from kontor.core.exceptions import ServiceError
from kontor.dedupe.models import DuplicatePair
from kontor.dedupe.scan import scan_all
from kontor.perf import names
from kontor.perf.bench import bench_user
from kontor.perf.generate import ascii_slug, random_phone

PLANTED_SHARE = 0.1
BATCH = 1000
# The review page's default: pairs from this score on count as found.
FOUND_SCORE = 0.8
SPELLINGS = (("ei", "ey"), ("ai", "ei"), ("ü", "ue"), ("ö", "oe"), ("ä", "ae"), ("dt", "tt"),
             ("ph", "f"), ("ck", "k"), ("mann", "man"), ("z", "tz"))  # fmt: skip


def _respelled(name: str, rng: random.Random) -> str:
    """Another way to write the name, as a colleague typing it would."""
    for old, new in rng.sample(SPELLINGS, len(SPELLINGS)):
        if old in name:
            return name.replace(old, new, 1)
    if len(name) > 3:  # a typo: two letters swapped
        i = rng.randrange(1, len(name) - 2)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name + "h"


def _person(rng: random.Random, number: int) -> dict[str, Any]:
    first, last = rng.choice(names.FIRST_NAMES), names.surname(rng)
    phone = random_phone(rng, mobile=rng.random() < 0.5)
    local = f"{ascii_slug(first)}.{ascii_slug(last)}{number}"
    return {
        "first_name": first,
        "last_name": last,
        "emails": [{"address": f"{local}@{rng.choice(names.FREE_MAIL)}"}],
        "phones": [{"number": phone.raw}],
    }


# The three ways a person gets a second record, and what each needs of the first.
RESPELLED_SAME_EMAIL, SAME_PHONE_TYPO, OTHER_PROVIDER = 0, 1, 2
WAY_NAMES = ("respelled surname, same email in capitals", "same phone, typo in the name",
             "same name at another mail provider")  # fmt: skip


def planted_copy(rng: random.Random, original: dict[str, Any], way: int) -> dict[str, Any]:
    """A second record of the same person, in one of the three ways (the
    first record given as the services take it; ways 0 and 2 need its email
    address, way 1 its phone number)."""
    if way == RESPELLED_SAME_EMAIL:
        return {
            "first_name": original["first_name"],
            "last_name": _respelled(original["last_name"], rng),
            "emails": [{"address": original["emails"][0]["address"].upper()}],
        }
    if way == SAME_PHONE_TYPO:
        return {
            "first_name": original["first_name"],
            "last_name": _respelled(original["last_name"], rng),
            "phones": original["phones"],
        }
    local, _, domain = original["emails"][0]["address"].partition("@")
    other = rng.choice([d for d in names.FREE_MAIL if d != domain])
    return {  # the same name at another provider
        "first_name": original["first_name"],
        "last_name": original["last_name"],
        "emails": [{"address": f"{local}@{other}"}],
    }


def duplicates_bench(
    count: int, *, seed: int = 7, username: str | None = None, log: Callable[[str], None]
) -> dict[str, Any]:
    rng = random.Random(seed)
    actor = bench_user(username)
    owner = get_user_model().objects.get(pk=actor.pk)
    rows: list[dict[str, Any]] = []
    planted_at: list[tuple[int, int]] = []
    while len(rows) < count:
        original = _person(rng, len(rows))
        rows.append(original)
        if rng.random() < PLANTED_SHARE and len(rows) < count:
            planted_at.append((len(rows) - 1, len(rows)))
            rows.append(planted_copy(rng, original, rng.randrange(3)))
    log(f"Creating {len(rows)} contacts ({len(planted_at)} planted duplicates) …")
    ids: list[Any] = []
    for start in range(0, len(rows), BATCH):
        made = contacts_create_many(
            actor=actor,
            rows=[{**row, "owner_id": owner.pk} for row in rows[start : start + BATCH]],
        )
        ids.extend(None if isinstance(r, ServiceError) else r.pk for r in made)
    log("Scanning for duplicates …")
    started = time.perf_counter()
    result = scan_all("contact")
    seconds = time.perf_counter() - started
    generated = {pk for pk in ids if pk is not None}
    planted = {
        frozenset((str(ids[a]), str(ids[b])))
        for a, b in planted_at
        if ids[a] is not None and ids[b] is not None
    }
    found = _found_in(generated)
    hits = len(found & planted)
    return {
        "contacts": len(generated),
        "scanned": result.records,
        "planted_pairs": len(planted),
        "found_pairs": len(found),
        "found_score": FOUND_SCORE,
        "recall": round(hits / len(planted), 3) if planted else None,
        "precision": round(hits / len(found), 3) if found else None,
        "scan_seconds": round(seconds, 2),
        "candidate_pairs": result.pairs,
    }


def _found_in(generated: set[Any]) -> set[frozenset[str]]:
    """The found pairs among many generated contacts (no long IN lists)."""
    wanted = {str(pk) for pk in generated}
    return {
        frozenset((str(a), str(b)))
        for a, b in DuplicatePair.objects.filter(kind="contact", score__gte=FOUND_SCORE)
        .values_list("a", "b")
        .iterator()
        if str(a) in wanted and str(b) in wanted
    }


def format_duplicates(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Duplicate scan of {report['scanned']} contacts: {report['scan_seconds']} s, "
            f"{report['candidate_pairs']} candidate pairs kept",
            f"Planted duplicates: {report['planted_pairs']} pairs among "
            f"{report['contacts']} generated contacts",
            f"Found (score >= {report['found_score']}): {report['found_pairs']} pairs",
            f"Recall: {report['recall']}   Precision: {report['precision']}",
        ]
    )
