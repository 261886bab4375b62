"""``{% consent_panel contact %}``: the Consents section of a contact's
page: the current state per purpose, the forms to record a grant,
withdrawal or objection and to send a double opt-in."""

from typing import Any

from django import template

from kontor.access.grants import access_for
from kontor.access.policy import can
from kontor.access.rights import Action
from kontor.consent import selectors
from kontor.consent.models import ConsentStatus, LegalBasis

register = template.Library()


@register.inclusion_tag("consent/_panel.html", takes_context=True)
def consent_panel(context: template.Context, contact: Any) -> dict[str, Any]:
    request = context["request"]
    rows = [
        {"record": record, "valid": selectors.is_valid(record)}
        for record in selectors.current(contact)
    ]
    return {
        "request": request,
        "contact": contact,
        "rows": rows,
        "purposes": list(selectors.purpose_list()),
        "can_edit": can(request.user, Action.EDIT, contact),
        "statuses": ConsentStatus.choices,
        "bases": LegalBasis.choices,
    }


@register.filter
def may_manage_purposes(user: Any) -> bool:
    """Administrators define the purposes of processing."""
    return bool(getattr(user, "is_authenticated", False) and access_for(user).manage_access)
