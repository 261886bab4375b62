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


# The OpenAPI description (``openapi_extra``) of an operation without a body
# (DELETE) that honours If-Match.
IF_MATCH_OPENAPI = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "description": 'The version you read (its ETag, e.g. "3"); 409 if it is no '
            "longer current. Without it, or with *, any version will do.",
            "schema": {"type": "string", "pattern": r'^(\*|(W/)?"[0-9]{1,9}"|[0-9]{1,9})$'},
        }
    ],
    "responses": {
        409: {
            "description": "The record changed since you read it.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/VersionConflict"}}
            },
        }
    },
}
