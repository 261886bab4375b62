"""Activities for generated contacts, long-tailed as in real CRMs: most
contacts have a handful, a few key accounts have thousands."""

import itertools
import random

from kontor.perf import names
from kontor.perf.bulk import DAY_MS, UUID7_RANDOM_BITS, uuid7_hex, write_table
from kontor.perf.draw import Draw

COLUMNS = [
    "id", "created_at", "updated_at", "kind", "subject", "body", "body_html", "occurred_at",
    "author_id", "direction", "contact_id", "organization_id", "version", "duration_seconds",
    "outcome", "phone_number", "starts_at", "ends_at", "location", "message_id",
    "from_address", "to_addresses", "cc_addresses", "thread", "due_at", "assignee_id", "status",
    "completed_at",
]  # fmt: skip
KINDS = [("call", 30), ("email", 35), ("meeting", 10), ("note", 15), ("task", 10)]
_KIND_NAMES = [kind for kind, _ in KINDS]
_KIND_CUM_WEIGHTS = list(itertools.accumulate(weight for _, weight in KINDS))
LOCATIONS = ["Büro", "Online", "Beim Kunden", "Messe"]
MEETING_MINUTES = [30, 45, 60, 90]
TO_ADDRESSES = '["kunde@kontor-bench.example"]'
HEAVY_ACTIVITIES = 5_000
CHUNK = 200_000


def activity_counts(contacts: int, activities: int, rng: random.Random) -> list[int]:
    """How many activities each contact gets: a Pareto-shaped long tail, plus a
    few contacts with ``HEAVY_ACTIVITIES`` or more when the total allows."""
    if not contacts or not activities:
        return [0] * contacts
    heavy = min(20, activities // (4 * HEAVY_ACTIVITIES), contacts)
    counts = [0] * contacts
    for index in range(heavy):
        counts[index] = HEAVY_ACTIVITIES + rng.randrange(HEAVY_ACTIVITIES // 2)
    remaining = activities - sum(counts)
    weights = [0.0] * heavy + [rng.paretovariate(1.3) for _ in range(contacts - heavy)]
    total_weight = sum(weights)
    for index in range(heavy, contacts):
        counts[index] = int(remaining * weights[index] / total_weight)
    shortfall = activities - sum(counts)
    for _ in range(shortfall):
        counts[rng.randrange(heavy, contacts) if contacts > heavy else 0] += 1
    return counts


# Activities happened up to four years ago, or are planned up to 30 days ahead.
_AHEAD_MS = 30 * DAY_MS
_OCCURRED_SPAN_MS = (4 * 365 + 30) * DAY_MS
_DIRECTED = frozenset({"call", "email"})  # the kinds with a direction


def _rows(parents: list[tuple], draw: Draw) -> list[tuple]:
    """One activity for each (contact, organization) of ``parents``, its
    values in the database's text form; the kinds and authors drawn in
    bulk, the rest from one float each (``random()``, the quickest call
    into ``rng``)."""
    rng, moment, now = draw.rng, draw.moment, draw.now_ms
    random_, bits = rng.random, rng.getrandbits
    count = len(parents)
    rows = []
    for (contact_id, organization_id), kind, author in zip(
        parents,
        rng.choices(_KIND_NAMES, cum_weights=_KIND_CUM_WEIGHTS, k=count),
        draw.owners_of(count),
        strict=True,
    ):
        ms = now + _AHEAD_MS - int(random_() * _OCCURRED_SPAN_MS)
        occurred = moment(ms)
        subjects = names.SUBJECTS[kind]
        subject = subjects[int(random_() * len(subjects))]
        direction = ("inbound" if random_() < 0.5 else "outbound") if kind in _DIRECTED else ""
        duration = starts = ends = due = assignee = completed = None
        outcome = location = message_id = from_address = thread = status = ""
        to_addresses = "[]"
        if kind == "call":
            roll = random_()  # answered 70 %, missed 15 %, voicemail 10 %, busy 5 %
            if roll < 0.7:
                outcome, duration = "answered", 20 + int(random_() * 1781)
            else:
                outcome, duration = ("missed" if roll < 0.85 else
                                     "voicemail" if roll < 0.95 else "busy"), 0  # fmt: skip
        elif kind == "meeting":
            starts = occurred
            ends = moment(ms + MEETING_MINUTES[int(random_() * 4)] * 60_000)
            location = LOCATIONS[int(random_() * 4)]
        elif kind == "email":
            message_id = f"<{bits(64):016x}@mail.kontor-bench.example>"
            thread = message_id
            from_address = "vertrieb@kontor-bench.example"
            to_addresses = TO_ADDRESSES
        elif kind == "task":
            due_ms = ms + (1 + int(random_() * 14)) * DAY_MS
            due, assignee = moment(due_ms), author
            status = "done" if due_ms < now and random_() < 0.9 else "open"
            completed = due if status == "done" else None
        rows.append(
            (uuid7_hex(ms, bits(UUID7_RANDOM_BITS)), occurred, occurred, kind, subject,
             f"{subject} — {int(random_() * 1_000_000)}", "", occurred, author, direction,
             contact_id, organization_id, 1, duration, outcome, "", starts, ends, location,
             message_id, from_address, to_addresses, "[]", thread, due, assignee, status,
             completed)
        )  # fmt: skip
    return rows


def generate_activities(scale, draw: Draw, result, progress) -> None:
    counts = activity_counts(len(result.contact_ids), scale.activities, draw.rng)
    result.heavy_contact_ids = [
        pk for pk, count in zip(result.contact_ids, counts, strict=True) if count >= 5_000
    ]
    parents: list[tuple] = []
    for contact_id, organization_id, count in zip(
        result.contact_ids, result.contact_organization_ids, counts, strict=True
    ):
        parents += [(contact_id, organization_id)] * count
        while len(parents) >= CHUNK:
            _write(parents[:CHUNK], draw, result, progress)
            parents = parents[CHUNK:]
    if parents:
        _write(parents, draw, result, progress)


def _write(parents: list[tuple], draw: Draw, result, progress) -> None:
    rows = _rows(parents, draw)
    write_table(
        "activities", "activities_activity", COLUMNS, rows, result.counts, progress, stored=True
    )
