"""Request rates as written in settings ("1200/minute"). No Django imports:
kontor.settings parses KONTOR_API_RATE_LIMIT with it at start-up."""

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600}
_UNITS |= {"hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([a-z]+)$")


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds}s"


def parse_rate(value: str | None) -> Rate | None:
    """ "1200/minute", "20/s", "100/5m" → Rate; "", "0" or "off" → no limit."""
    text = re.sub(r"\s+", "", value or "").lower()
    if text in {"", "0", "off", "none", "false"}:
        return None
    match = _RATE.match(text)
    unit = match.group(3) if match else ""
    if unit not in _UNITS and unit.endswith("s"):
        unit = unit[:-1]
    if not match or unit not in _UNITS:
        raise ValueError(f"not a rate like '1200/minute': {value!r}")
    requests = int(match.group(1))
    seconds = _UNITS[unit] * int(match.group(2) or 1)
    if requests == 0:
        return None
    return Rate(requests=requests, seconds=seconds)
