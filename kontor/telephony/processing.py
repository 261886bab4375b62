"""The phone systems that report calls, for the register of processing
activities (GDPR Art. 30, kontor.core.processing)."""

from typing import Any

from django.utils.translation import gettext as _

from kontor.telephony.models import PhoneIntegration


def recipients_for_register() -> list[dict[str, Any]]:
    return [
        {
            "kind": "phone_system",
            "name": integration.name,
            "description": _(
                "Phone system (%(provider)s): reports calls with the callers' numbers and "
                "receives the matching contact's name."
            )
            % {"provider": integration.get_provider_display()},
        }
        for integration in PhoneIntegration.objects.filter(is_active=True).order_by("name", "id")
    ]
