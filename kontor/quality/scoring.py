"""The quality score of one record, a pure function of what is known about
it: 0 to 100 points from four parts, each with the reasons it lost points.

The weights live here and only here (docs/duplicates.md describes them):

- completeness, 40: every field a salesperson needs is filled (``NEEDED``);
- validity, 25: no email address bounces, every phone number is a valid
  number, the website reads as a web address, the name has no digits or @;
- freshness, 20: changed, or an activity took place, within the last 90
  days; nothing after two years, in between in proportion;
- duplicates, 15: no open duplicate candidate; one costs half, two all.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

WEIGHTS = {"completeness": 40, "validity": 25, "freshness": 20, "duplicates": 15}

# The fields a salesperson needs, per record type (each counts the same).
NEEDED = {
    "contact": ("name", "email", "phone", "organization", "owner"),
    "organization": ("website", "email", "phone", "owner", "contacts"),
}

FRESH_DAYS = 90
STALE_DAYS = 730


@dataclass
class Facts:
    """What the score looks at, read in bulk (kontor.quality.compute)."""

    filled: set[str]
    # (field, value, problem): an email address that bounces, a phone number
    # that is no valid number, a website that reads as no web address.
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    checked: int = 0
    last_touched: datetime.datetime | None = None
    open_duplicates: int = 0


@dataclass
class Score:
    score: int
    completeness: int
    validity: int
    freshness: int
    duplicates: int
    reasons: list[dict[str, Any]]


def _months(days: int) -> int:
    return max(1, round(days / 30.4))


def score(kind: str, facts: Facts, now: datetime.datetime) -> Score:
    reasons: list[dict[str, Any]] = []
    needed = NEEDED[kind]
    missing = [name for name in needed if name not in facts.filled]
    reasons += [{"part": "completeness", "code": "missing", "field": name} for name in missing]
    completeness = round(WEIGHTS["completeness"] * (len(needed) - len(missing)) / len(needed))

    validity = WEIGHTS["validity"]
    if facts.checked:
        valid = max(facts.checked - len(facts.problems), 0)
        validity = round(WEIGHTS["validity"] * valid / facts.checked)
    reasons += [
        {"part": "validity", "code": problem, "field": name, **({"value": value} if value else {})}
        for name, value, problem in facts.problems
    ]

    freshness = 0
    days = None
    if facts.last_touched is not None:
        days = max((now - facts.last_touched).days, 0)
        if days <= FRESH_DAYS:
            freshness = WEIGHTS["freshness"]
        elif days < STALE_DAYS:
            share = (STALE_DAYS - days) / (STALE_DAYS - FRESH_DAYS)
            freshness = round(WEIGHTS["freshness"] * share)
    if days is None or days > FRESH_DAYS:
        reasons.append(
            {"part": "freshness", "code": "untouched", "months": _months(days or STALE_DAYS)}
        )

    duplicates = WEIGHTS["duplicates"]
    if facts.open_duplicates:
        duplicates = WEIGHTS["duplicates"] // 2 if facts.open_duplicates == 1 else 0
        reasons.append({"part": "duplicates", "code": "duplicates", "count": facts.open_duplicates})

    return Score(
        score=completeness + validity + freshness + duplicates,
        completeness=completeness,
        validity=validity,
        freshness=freshness,
        duplicates=duplicates,
        reasons=reasons,
    )
