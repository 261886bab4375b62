"""Activities for generated contacts, long-tailed as in real CRMs: most
contacts have a handful, a few key accounts have thousands."""

import datetime
import itertools
import random
from collections.abc import Iterator

from kontor.perf import names
from kontor.perf.bulk import uuid7_at, write_table

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
OUTCOMES = ["answered", "missed", "voicemail", "busy"]
_OUTCOME_CUM_WEIGHTS = [70, 85, 95, 100]
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


def _rows(contact_id, organization_id, count, rng, now, owners) -> Iterator[tuple]:
    for _ in range(count):
        kind = rng.choices(_KIND_NAMES, cum_weights=_KIND_CUM_WEIGHTS)[0]
        occurred = now - datetime.timedelta(seconds=rng.uniform(-30 * 86400, 4 * 365 * 86400))
        author = rng.choice(owners) if owners else None
        subject = rng.choice(names.SUBJECTS[kind])
        direction = rng.choice(("inbound", "outbound")) if kind in ("call", "email") else ""
        duration = outcome = starts = ends = location = due = assignee = completed = None
        message_id = from_address = thread = ""
        to_addresses = "[]"
        status = ""
        if kind == "call":
            outcome = rng.choices(OUTCOMES, cum_weights=_OUTCOME_CUM_WEIGHTS)[0]
            duration = rng.randint(20, 1800) if outcome == "answered" else 0
        elif kind == "meeting":
            starts = occurred
            ends = occurred + datetime.timedelta(minutes=rng.choice([30, 45, 60, 90]))
            location = rng.choice(["Büro", "Online", "Beim Kunden", "Messe"])
        elif kind == "email":
            message_id = f"<{rng.getrandbits(64):016x}@mail.kontor-bench.example>"
            thread = message_id
            from_address = "vertrieb@kontor-bench.example"
            to_addresses = TO_ADDRESSES
        elif kind == "task":
            due = occurred + datetime.timedelta(days=rng.randint(1, 14))
            assignee = author
            status = "done" if due < now and rng.random() < 0.9 else "open"
            completed = due if status == "done" else None
        body = f"{subject} — {rng.randrange(10**6)}"
        yield (
            uuid7_at(occurred, rng), occurred, occurred, kind, subject, body, "", occurred,
            author, direction, contact_id, organization_id, 1, duration, outcome or "", "",
            starts, ends, location or "", message_id, from_address, to_addresses, "[]", thread,
            due, assignee, status, completed,
        )  # fmt: skip


def generate_activities(scale, rng: random.Random, now, owners, result, progress) -> None:
    counts = activity_counts(len(result.contact_ids), scale.activities, rng)
    result.heavy_contact_ids = [
        pk for pk, count in zip(result.contact_ids, counts, strict=True) if count >= 5_000
    ]

    def rows() -> Iterator[tuple]:
        for contact_id, organization_id, count in zip(
            result.contact_ids, result.contact_organization_ids, counts, strict=True
        ):
            if count:
                yield from _rows(contact_id, organization_id, count, rng, now, owners)

    batch: list[tuple] = []
    for row in rows():
        batch.append(row)
        if len(batch) >= CHUNK:
            write_table(
                "activities", "activities_activity", COLUMNS, batch, result.counts, progress
            )
            batch = []
    if batch:
        write_table("activities", "activities_activity", COLUMNS, batch, result.counts, progress)
