"""Record ids as clients send them."""

import uuid
from typing import Any


def parse_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from a UUID or its text; None for anything else, so that a
    malformed id finds nothing instead of failing."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
