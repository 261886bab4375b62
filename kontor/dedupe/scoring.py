"""How alike two records are: a field-weighted similarity (rapidfuzz) with
the reasons, field by field."""

from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz import fuzz

from kontor.dedupe.keys import organization_name, plain

# Field weights; only the fields both records have count.
CONTACT_WEIGHTS = {"name": 0.4, "email": 0.3, "phone": 0.2, "organization": 0.1}
ORGANIZATION_WEIGHTS = {"name": 0.5, "domain": 0.3, "email": 0.1, "phone": 0.1}


def _text_similarity(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b) / 100


def _best_pair(a: Sequence[str], b: Sequence[str]) -> tuple[str, str, float]:
    """The most alike values of two lists (email addresses, numbers)."""
    best = ("", "", -1.0)
    for x in a:
        for y in b:
            similarity = 1.0 if x == y else _text_similarity(x, y) * 0.8
            if similarity > best[2]:
                best = (x, y, similarity)
    return best


def contact_name(values: Mapping[str, Any]) -> str:
    return " ".join(
        part for part in (values.get("first_name"), values.get("last_name")) if part
    ) or (values.get("name") or "")


def score(
    kind: str, a: Mapping[str, Any], b: Mapping[str, Any], *, at_least: float = 0.0
) -> tuple[float, list[dict]]:
    """Score 0..1 and the reasons ``[{"field", "a", "b", "similarity"}]``;
    a score below ``at_least`` comes without its reasons (the full scan
    scores many pairs and keeps few)."""
    agreed: list[tuple[str, str, str, float]] = []
    if kind == "contact":
        weights = CONTACT_WEIGHTS
        name_a, name_b = contact_name(a), contact_name(b)
        compared_a, compared_b = plain(name_a), plain(name_b)
    else:
        weights = ORGANIZATION_WEIGHTS
        name_a, name_b = a.get("name") or "", b.get("name") or ""
        compared_a, compared_b = organization_name(name_a), organization_name(name_b)
    if compared_a and compared_b:
        agreed.append(("name", name_a, name_b, _text_similarity(compared_a, compared_b)))
    for field, key in (("email", "emails"), ("phone", "phones")):
        if a.get(key) and b.get(key):
            x, y, similarity = _best_pair(a[key], b[key])
            agreed.append((field, x, y, similarity))
    if kind == "contact" and a.get("organization") and b.get("organization"):
        similarity = _text_similarity(
            organization_name(a["organization"]), organization_name(b["organization"])
        )
        agreed.append(("organization", a["organization"], b["organization"], similarity))
    if kind == "organization" and a.get("domain") and b.get("domain"):
        similarity = 1.0 if a["domain"] == b["domain"] else 0.0
        agreed.append(("domain", a["domain"], b["domain"], similarity))
    total = weighted = 0.0
    for field, _a, _b, similarity in agreed:
        total += weights[field]
        weighted += weights[field] * round(similarity, 3)
    if not total:
        return 0.0, []
    value = round(weighted / total, 3)
    if value < at_least:
        return value, []
    return value, [_reason(*reason) for reason in agreed]


def _reason(field: str, a: str, b: str, similarity: float) -> dict:
    return {"field": field, "a": a, "b": b, "similarity": round(similarity, 3)}
