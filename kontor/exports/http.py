"""An export over HTTP: the file streamed as it is read from the database,
the UI's download (back to the list with the reasons when the export is
refused), and how an export route's answer reads in the OpenAPI document."""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect

from kontor.core.exceptions import FieldErrors
from kontor.exports.services import FORMATS, Export, export_records


def export_response(export: Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Export-Count"] = str(export.count)
    # Personal data: no cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


def export_download(
    request: HttpRequest,
    *,
    key: str,
    records: QuerySet,
    filters: Mapping[str, Any],
    order: tuple[str, ...],
    back_url: str,
) -> HttpResponse:
    """A page's export of ``records`` (what it shows with its filters) in the
    ``format`` and ``delimiter`` the request asks for; refused, the user is
    sent back to ``back_url`` with the page's filters and the reasons."""
    try:
        export = export_records(
            actor=request.user,
            key=key,
            records=records,
            export_format=request.GET.get("format", "csv"),
            filters=filters,
            order=order,
            delimiter=request.GET.get("delimiter", "comma"),
        )
    except FieldErrors as exc:
        for field, reasons in exc.errors.items():
            messages.error(request, f"{field}: {', '.join(reasons)}")
        query = request.GET.copy()
        for name in ("format", "delimiter"):
            query.pop(name, None)
        return redirect(f"{back_url}?{query.urlencode()}" if query else back_url)
    return export_response(export)


def export_openapi(*formats: str) -> dict[str, Any]:
    """An export route's answer in the OpenAPI document: the file, in each
    of ``formats``."""
    content = {FORMATS[name].content_type.split(";")[0]: {} for name in formats}
    return {"responses": {200: {"description": "The file, streamed.", "content": content}}}
