"""The REST API at /api/v1/: one NinjaAPI, a router per domain."""

import logging

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kontor.api.auth import api_auth
from kontor.core.exceptions import FieldErrors, PermissionDenied, VersionConflict

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Kontor API",
    version="1",
    description=(
        "Kontor's REST API. Authenticate with `Authorization: Bearer <token>` "
        "(`kontor createtoken USERNAME`) or a browser session."
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def field_error_detail(errors: dict[str, list[str]], location: str = "body") -> list[dict]:
    """Field errors in the same shape as the API's schema validation errors."""
    detail = []
    for field, reasons in errors.items():
        loc = [location] if field == "__all__" else [location, *field.split(".")]
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
    return api.create_response(
        request,
        {"detail": "Authentication required: send a Bearer token or log in."},
        status=401,
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from kontor.contacts.api import router as contacts_router

    api.add_router("/", contacts_router)


_register_routers()
