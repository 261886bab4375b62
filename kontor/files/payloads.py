"""A file's details as a user may read them, outside a request
(``RecordType.serialize``: webhook payloads are rendered for the
subscription's owner). The bytes stay behind the API's download URL."""

from typing import Any

from kontor.activities.schemas import FileOut, file_out
from kontor.api.answers import render_answer
from kontor.core.offline_request import request_for
from kontor.files.models import Attachment
from kontor.files.selectors import attachment_get


def file_answer(record: Attachment, user: Any) -> dict[str, Any] | None:
    attachment = attachment_get(user=user, attachment_id=record.pk)
    if attachment is None:
        return None
    request = request_for(user)
    return render_answer(FileOut, file_out(request, attachment), request=request)
