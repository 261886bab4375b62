"""Where the contact search puts the people a user looks for.

``kontor bench`` plants a few target contacts the user may see: each with
a common surname (so that its prefix matches thousands of others), a first
name that makes the full name unique, an email address of its own, and a
last change older than every generated contact (so recency cannot carry
it up). It then searches as the user — the exact full name, the exact
email address, the surname's first four letters — and reports the rank of
the target in the first page (None: not on it). The target for an exact
name or email address is rank 1. The planted contacts are removed after."""

import datetime
import random
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from kontor.contacts.models import Contact
from kontor.contacts.search import refresh_contact_search
from kontor.contacts.services import contact_create
from kontor.perf import names

TARGETS = 5
PAGE = 50
QUERIES = ("exact_name", "exact_email", "surname_prefix")


def _common_surnames(count: int) -> list[str]:
    common = (
        Contact.objects.exclude(last_name="")
        .values("last_name")
        .annotate(n=Count("*"))
        .order_by("-n")[:count]
    )
    return [row["last_name"] for row in common] or names.LAST_NAMES[:count]


def _plant(user, rng: random.Random) -> list[tuple[Contact, str]]:
    """The targets and their email addresses, owned by ``user`` (a
    superuser of the benchmark's own acts for a rep who may not create)."""
    actor = get_user_model().objects.filter(is_superuser=True, is_active=True).first() or user
    old = timezone.now() - datetime.timedelta(days=20 * 365)
    planted = []
    for number, last in enumerate(_common_surnames(TARGETS)):
        first = f"{rng.choice(names.FIRST_NAMES)}-Zielperson{number}"
        email = f"ziel.{number}.{rng.randrange(10**6)}@planted-search.example"
        contact = contact_create(
            actor=actor,
            data={"first_name": first, "last_name": last, "emails": [email], "owner_id": user.pk},
        )
        planted.append((contact, email))
    ids = [contact.pk for contact, _email in planted]
    Contact.objects.filter(pk__in=ids).update(updated_at=old)
    refresh_contact_search(ids)
    return planted


def search_ranks(user, rng: random.Random, log=print) -> dict[str, Any]:
    """Per kind of query, the rank of each target and how many were rank 1."""
    client = Client()
    client.force_login(user)
    planted = _plant(user, rng)
    ranks: dict[str, list[int | None]] = {query: [] for query in QUERIES}
    try:
        for contact, email in planted:
            queries = {
                "exact_name": f"{contact.first_name} {contact.last_name}",
                "exact_email": email,
                "surname_prefix": contact.last_name[:4],
            }
            for kind, q in queries.items():
                answer = client.get("/api/v1/contacts", {"q": q, "limit": PAGE})
                if answer.status_code != 200:
                    raise RuntimeError(f"{answer.status_code}: {answer.content[:200]!r}")
                found = [item["id"] for item in answer.json()["items"]]
                target = str(contact.pk)
                ranks[kind].append(found.index(target) + 1 if target in found else None)
    finally:
        Contact.objects.filter(pk__in=[contact.pk for contact, _email in planted]).delete()
    report = {
        kind: {"ranks": found, "rank_1": Counter(found)[1], "targets": len(found)}
        for kind, found in ranks.items()
    }
    for kind, row in report.items():
        log(f"  search rank {kind}: {row['ranks']} ({row['rank_1']}/{row['targets']} at rank 1)")
    return report
