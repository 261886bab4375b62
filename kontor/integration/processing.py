"""Who receives personal data through the integration layer, for the
register of processing activities (GDPR Art. 30, kontor.core.processing):
the active webhook subscriptions and the outgoing mail server."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from kontor.integration.models import WebhookSubscription


def recipients_for_register() -> list[dict[str, Any]]:
    found = [
        {
            "kind": "webhook",
            "name": subscription.url,
            "description": subscription.description
            or _("Receives the events %(events)s as their subscriber may read them.")
            % {"events": ", ".join(subscription.events)},
        }
        for subscription in WebhookSubscription.objects.filter(active=True).order_by("url", "id")
    ]
    if settings.KONTOR_SMTP_URL:
        found.append(
            {
                "kind": "mail_server",
                "name": urlsplit(settings.KONTOR_SMTP_URL).hostname or "",
                "description": _("Outgoing mail server (SMTP): emails sent to customers."),
            }
        )
    return found
