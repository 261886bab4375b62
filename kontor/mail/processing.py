"""The mail servers Kontor reads, for the register of processing
activities (GDPR Art. 30, kontor.core.processing)."""

from typing import Any

from django.utils.translation import gettext as _

from kontor.mail.models import Mailbox


def recipients_for_register() -> list[dict[str, Any]]:
    return [
        {
            "kind": "mail_server",
            "name": mailbox.host,
            "description": _("IMAP mailbox %(address)s: received emails are stored in Kontor.")
            % {"address": mailbox.email_address},
        }
        for mailbox in Mailbox.objects.filter(is_active=True).order_by("name", "id")
    ]
