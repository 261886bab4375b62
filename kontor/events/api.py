"""GET /api/v1/events/stream: server-sent events for the logged-in user."""

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from kontor.events.selectors import last_event_id
from kontor.events.stream import event_stream

router = Router(tags=["events"])

STREAM_DOCS = {
    "responses": {
        200: {
            "description": (
                "A text/event-stream. `event: call` carries a ringing call addressed to "
                "you (the lookup result of /api/v1/telephony/events plus screen-pop "
                "details); `event: call-update` a change of its state. Each event has an "
                "id; reconnect with Last-Event-ID to resume. A stream ends after about a "
                "minute with a `retry:` hint, and EventSource reconnects by itself."
            ),
            "content": {"text/event-stream": {}},
        }
    }
}


def _resume_after(request: HttpRequest) -> int:
    value = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return last_event_id(user=request.user)


@router.get(
    "/events/stream", response={200: None}, openapi_extra=STREAM_DOCS, url_name="events-stream"
)
def stream(request: HttpRequest):
    """Events for you, as they happen (session or Bearer auth)."""
    response = StreamingHttpResponse(
        event_stream(user=request.user, after_id=_resume_after(request)),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
