"""An activity as a user may read it, outside a request
(``RecordType.serialize``: webhook payloads are rendered for the
subscription's owner)."""

from typing import Any

from kontor.activities import selectors
from kontor.activities.models import Activity
from kontor.activities.schemas import ActivityOut, activity_out
from kontor.api.answers import render_answer
from kontor.contacts.visibility import note_visible_organizations
from kontor.core.offline_request import request_for


def activity_answer(record: Activity, user: Any) -> dict[str, Any] | None:
    activity = selectors.activity_get(user=user, activity_id=record.pk)
    if activity is None:
        return None
    request = request_for(user)
    note_visible_organizations(user, [activity])
    return render_answer(ActivityOut, activity_out(request, activity), request=request)
