"""An export as an HTTP response: streamed as it is read from the database."""

from django.http import StreamingHttpResponse

from kontor.exports.services import Export


def export_response(export: Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Export-Count"] = str(export.count)
    # Personal data: no cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response
