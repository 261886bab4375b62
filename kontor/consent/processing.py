"""The purposes of processing as the register of processing activities
(GDPR Art. 30, kontor.core.processing) lists them."""

from typing import Any

from django.utils.translation import gettext as _

from kontor.consent.models import Purpose


def purposes_for_register() -> list[dict[str, Any]]:
    return [
        {
            "key": purpose.key,
            "name": purpose.name,
            "description": purpose.description,
            "legal_basis": (
                _("consent (Art. 6(1)(a) GDPR), recorded per person")
                if purpose.requires_consent
                else _("the legal basis recorded per person (Art. 6(1) GDPR)")
            ),
        }
        for purpose in Purpose.objects.order_by("name", "key")
    ]
