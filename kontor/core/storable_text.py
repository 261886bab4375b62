"""Text a database can store: PostgreSQL refuses NUL characters, and unpaired
surrogates are no UTF-8 at all. Services reject such text with this reason
instead of failing in the database (found by tests/api/test_fuzz.py)."""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_REASON = "must not contain NUL characters or unpaired surrogates"


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def storable(text: str) -> str:
    """``text`` with each character a database cannot store replaced by
    U+FFFD, for text that is kept as it came (an imported file's cells)."""
    return _UNSTORABLE.sub("\ufffd", text)
