"""An outgoing email as a user may read it, outside a request
(``PersonalDataHolder.serialize``: a person's export)."""

from typing import Any

from kontor.api.answers import render_answer
from kontor.core.offline_request import request_for
from kontor.integration.email.api import EmailOut
from kontor.integration.email.selectors import email_get
from kontor.integration.models import OutgoingEmail


def sent_email_answer(record: OutgoingEmail, user: Any) -> dict[str, Any] | None:
    email = email_get(user=user, email_id=record.pk)
    if email is None:
        return None
    return render_answer(EmailOut, email, request=request_for(user))
