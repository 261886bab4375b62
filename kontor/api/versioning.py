"""Optimistic locking in the API: which version of a record the client expects."""

import re

from django.http import HttpRequest

from kontor.core.exceptions import FieldErrors

# An ETag as handed out ("3"), weak (W/"3") or bare (3).
_IF_MATCH = re.compile(r'^\s*(?:W/)?(?:"([0-9]{1,9})"|([0-9]{1,9}))\s*$')


def expected_version(request: HttpRequest, body_version: int | None = None) -> int | None:
    """The version a write expects: the body's ``version`` if given, else the
    If-Match header's. None (any version will do) without either or for
    ``If-Match: *``; a header that names no version is a FieldErrors."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _IF_MATCH.match(header)
    if match is None:
        raise FieldErrors.single("If-Match", 'must be the record\'s version, e.g. "3"')
    return int(match.group(1) or match.group(2))
