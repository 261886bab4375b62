"""sipgate.io push API: POST /api/v1/telephony/sipgate

sipgate sends form-encoded events: ``event`` newCall, answer or hangup,
``callId``, ``from``/``to`` as digits without + (4930123456789, or
"anonymous"), ``direction`` in/out, ``user[]`` the names of the users whose
phones ring (``user`` who answered), and on hangup a ``cause``
(normalClearing, busy, cancel, noAnswer, congestion, notFound, forwarded).

sipgate sends no Authorization header: put the integration's secret in the
URL you enter in sipgate's settings,
``https://kontor.example/api/v1/telephony/sipgate?token=<secret>``. Kontor
answers newCall with the same URL for onAnswer and onHangup, so that sipgate
also reports the rest of the call."""

from xml.sax.saxutils import quoteattr

from django.http import HttpRequest, HttpResponse, QueryDict

from kontor.activities.models import Direction
from kontor.telephony.models import CallEventKind
from kontor.telephony.services import CallEventData

EVENTS = {
    "newCall": CallEventKind.RINGING,
    "answer": CallEventKind.ANSWERED,
    "hangup": CallEventKind.ENDED,
}
# Hangup causes of calls nobody took.
UNANSWERED_CAUSES = {"busy", "cancel", "noAnswer", "congestion", "notFound"}
DIRECTIONS = {"in": Direction.INBOUND, "out": Direction.OUTBOUND}
_USER_FIELDS = ("user[]", "user", "userId[]", "userId", "fullUserId[]", "fullUserId")


def event_data(form: QueryDict) -> CallEventData | None:
    """The event, or None for events Kontor does not use (e.g. dtmf)."""
    event = EVENTS.get(form.get("event", ""))
    if event is None:
        return None
    cause = form.get("cause", "")
    if event == CallEventKind.ENDED and cause in UNANSWERED_CAUSES:
        event = CallEventKind.MISSED
    agents = tuple(name for field in _USER_FIELDS for name in form.getlist(field) if name)
    return CallEventData(
        event=event,
        call_id=form.get("callId", ""),
        from_number=form.get("from", ""),
        to_number=form.get("to", ""),
        direction=DIRECTIONS.get(form.get("direction", ""), form.get("direction", "")),
        agents=agents,
        busy=cause == "busy",
        payload={key: form.getlist(key) for key in form},
    )


def response(request: HttpRequest, data: CallEventData | None) -> HttpResponse:
    """sipgate's XML answer; to a new call it subscribes to its answer and
    hangup at this same URL."""
    attributes = ""
    if data is not None and data.event == CallEventKind.RINGING:
        url = quoteattr(request.build_absolute_uri())
        attributes = f" onAnswer={url} onHangup={url}"
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Response{attributes}/>\n'
    return HttpResponse(body, content_type="application/xml")
