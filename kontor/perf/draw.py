"""What the generators of one load share: the random source, the moment of
the load, the users who own the records, and the values each generator
draws the same way, in the text forms of the connection's database."""

import datetime
import itertools
import random
from dataclasses import dataclass

from django.db import connection

from kontor.contacts.models import LifecycleStage
from kontor.perf.bulk import DAY_MS, UUID7_RANDOM_BITS, Moments, uuid7_hex

STAGES = [
    (LifecycleStage.LEAD, 35),
    (LifecycleStage.PROSPECT, 25),
    (LifecycleStage.CUSTOMER, 35),
    (LifecycleStage.FORMER, 5),
]
_STAGE_NAMES = [stage for stage, _ in STAGES]
_STAGE_CUM_WEIGHTS = list(itertools.accumulate(weight for _, weight in STAGES))


# Records were created in the last five years, up to a day ago.
_CREATED_SPAN_MS = (5 * 365 - 1) * DAY_MS


@dataclass
class Draw:
    """``moment`` gives a moment's text and ``uuid7`` a key's for the
    connection's database; moments are milliseconds since 1970 (UTC)."""

    rng: random.Random
    now: datetime.datetime
    owners: list

    def __post_init__(self) -> None:
        self.now_ms = int(self.now.timestamp() * 1000)
        self.moment = Moments(connection.vendor).text

    def uuid7(self, milliseconds: int) -> str:
        return uuid7_hex(milliseconds, self.rng.getrandbits(UUID7_RANDOM_BITS))

    def owners_of(self, count: int) -> list:
        """An owner for each of ``count`` records (``None`` without users)."""
        return self.rng.choices(self.owners, k=count) if self.owners else [None] * count

    def created(self, count: int) -> list[tuple[int, int]]:
        """Creation and last change of ``count`` records, in milliseconds
        since the epoch: created up to five years ago, changed since."""
        now, random_ = self.now_ms, self.rng.random
        stamps = []
        for _ in range(count):
            created = now - DAY_MS - int(random_() * _CREATED_SPAN_MS)
            stamps.append((created, created + int((now - created) * random_())))
        return stamps

    def stages(self, count: int) -> list[str]:
        return self.rng.choices(_STAGE_NAMES, cum_weights=_STAGE_CUM_WEIGHTS, k=count)
