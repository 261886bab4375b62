"""The error answers every operation may give, written into the OpenAPI
document, so that clients (and the schema fuzzing in tests/api/test_fuzz.py)
know their shape: ``{"detail": "reason"}``, or for 422 a list of
``{"loc", "msg", "type"}`` naming each rejected field."""

from typing import Any

from ninja import NinjaAPI

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "title": "Error",
}
_FIELD_ERRORS = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
    "title": "FieldErrors",
}
_CONFLICT = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "current_version": {"type": "integer"}},
    "required": ["detail", "current_version"],
    "title": "VersionConflict",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _json(description: str, schema_name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


# The limits `kontor serve` gives gunicorn (its largest allowed values): a
# list URL with many filters fits, anything longer is refused with 414 / 431.
MAX_REQUEST_LINE = 8190
MAX_REQUEST_FIELD = 8190


def document_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to each operation that does not describe them itself."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _DETAIL)
    schemas.setdefault("FieldErrors", _FIELD_ERRORS)
    schemas.setdefault("VersionConflict", _CONFLICT)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors: dict[str, dict[str, Any]] = {
                "422": _json("The input was rejected; each entry names a field.", "FieldErrors"),
            }
            if operation.get("security"):
                errors["401"] = _json("Authentication required or failed.", "Error")
                errors["403"] = _json("Not allowed for you.", "Error")
                errors["429"] = {
                    **_json("Too many requests or failed authentications.", "Error"),
                    "headers": _RETRY_AFTER,
                }
            if "{" in path:
                errors["404"] = _json("No such record, or not visible to you.", "Error")
            if method in {"patch", "put"}:
                errors["409"] = _json("The record changed since you read it.", "VersionConflict")
            if operation.get("requestBody"):
                errors["400"] = _json("The request body cannot be read (e.g. no JSON).", "Error")
                errors["413"] = _json("The request body is too large.", "Error")
            # Sent by the WSGI server (kontor serve) before Kontor sees the
            # request, as text: a request line or a header beyond its limits.
            errors["414"] = {"description": f"The URL is longer than {MAX_REQUEST_LINE} bytes."}
            errors["431"] = {
                "description": f"A request header is longer than {MAX_REQUEST_FIELD} bytes."
            }
            # Ninja keys responses by int; a str key of the same code would be
            # a second "404" in the JSON document.
            documented = {str(code) for code in responses}
            for status, response in errors.items():
                if status not in documented:
                    responses[int(status)] = response
    return document


class DocumentedErrorsAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists the error responses."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_error_responses(document)
