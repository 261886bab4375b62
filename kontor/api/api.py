"""The REST API at /api/v1/: one NinjaAPI with the error answers every
router shares. Each domain brings its router; kontor/urls.py adds them."""

import logging
import re

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kontor.api.auth import api_auth
from kontor.api.openapi import DocumentedErrorsAPI
from kontor.api.renderers import OrjsonRenderer
from kontor.api.throttling import Throttled
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict

logger = logging.getLogger(__name__)

api = DocumentedErrorsAPI(
    title="Kontor API",
    version="1",
    description=(
        "Kontor's REST API. Authenticate with `Authorization: Bearer <token>` "
        "(`kontor createtoken USERNAME`) or a browser session."
    ),
    auth=api_auth,
    renderer=OrjsonRenderer(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


_LIST_ITEM = re.compile(r"^(.+)\[(\d+)\]$")


def _field_path(field: str) -> list[str | int]:
    """ "emails[0].address" → ["emails", 0, "address"], as pydantic names it;
    "custom.<key>" → ["custom", "<key>"] whatever the key is."""
    head, _, rest = field.partition(".")
    path: list[str | int] = [head]
    if match := _LIST_ITEM.match(head):
        path = [match.group(1), int(match.group(2))]
    return [*path, rest] if rest else path


def field_error_detail(errors: dict[str, list[str]], location: str = "body") -> list[dict]:
    """Field errors in the same shape as the API's schema validation errors."""
    detail = []
    for field, reasons in errors.items():
        loc = [location] if field == "__all__" else [location, *_field_path(field)]
        detail.extend({"loc": loc, "msg": reason, "type": "value_error"} for reason in reasons)
    return detail


@api.exception_handler(FieldErrors)
def on_field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
    location = "query" if request.method == "GET" else "body"
    return api.create_response(
        request, {"detail": field_error_detail(exc.errors, location)}, status=422
    )


@api.exception_handler(VersionConflict)
def on_version_conflict(request: HttpRequest, exc: VersionConflict) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": str(exc), "current_version": exc.current_version},
        status=409,
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "Authentication required: send a Bearer token or log in."},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Ninja puts the handler's argument name in the location of a body field
    # (["body", "payload", "email"]); clients know the field as ["body", "email"],
    # the location the services' FieldErrors use too.
    detail = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        if loc[:2] == ["body", "payload"]:
            loc = ["body", *loc[2:]]
        detail.append({**error, "loc": loc})
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
