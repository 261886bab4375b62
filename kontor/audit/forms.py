"""The search form of the audit trail page."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kontor.audit.models import AuditAction
from kontor.audit.selectors import AuditFilters
from kontor.core.records import record_types
from kontor.core.users import UserChoiceField


class AuditSearchForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *AuditAction.choices]
    )
    actor = UserChoiceField(
        label=_("Employee"), required=False, queryset=get_user_model().objects.none(),
        empty_label=_("Anyone"),
    )  # fmt: skip
    since = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, data: Any, *, by_employee: bool) -> None:
        super().__init__(data)
        self.fields["object_type"].choices = [
            ("", _("Any")),
            *[(kind.key, kind.label_plural) for kind in record_types()],
            ("auth.user", _("users")),
            ("access.team", _("teams")),
            ("access.share", _("shares")),
            ("access.fieldcategory", _("field categories")),
        ]
        if by_employee:
            self.fields["actor"].queryset = get_user_model().objects.order_by("username")
        else:
            del self.fields["actor"]
        self.is_valid()

    def filters(self) -> AuditFilters:
        values = getattr(self, "cleaned_data", {})
        actor = values.get("actor")
        return AuditFilters(
            object_type=values.get("object_type") or None,
            object_id=(values.get("object_id") or "").strip() or None,
            actor_id=actor.pk if actor else None,
            action=values.get("action") or None,
            since=values.get("since"),
            until=values.get("until"),
        )
