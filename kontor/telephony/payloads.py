"""A call as a user may read it, outside a request: the data of the
``call.started`` and ``call.ended`` events (kontor.events.catalogue)."""

from typing import Any

from kontor.api.answers import render_answer
from kontor.core.offline_request import request_for
from kontor.telephony.api import CallOut
from kontor.telephony.models import Call
from kontor.telephony.selectors import call_get


def call_answer(record: Call, user: Any) -> dict[str, Any] | None:
    call = call_get(user=user, call_id=record.pk)
    if call is None:
        return None
    return render_answer(CallOut, call, request=request_for(user))
