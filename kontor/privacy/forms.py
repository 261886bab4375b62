from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.privacy.models import RequestStatus, RequestType


class RequestForm(forms.Form):
    type = forms.ChoiceField(label=_("Type of request"), choices=RequestType.choices)
    contact_id = forms.CharField(
        label=_("Contact"),
        required=False,
        widget=forms.HiddenInput,
    )
    email = forms.CharField(
        label=_("or: email address"),
        required=False,
        max_length=320,
        help_text=_("The person is found by the address, whoever owns the contact."),
    )
    phone = forms.CharField(label=_("or: phone number"), required=False, max_length=64)
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today. The deadline is one month later."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[(RequestStatus.DONE, _("done")), (RequestStatus.REJECTED, _("rejected"))],
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done; a rejection says why."),
    )


def _retention_type_choices() -> list[tuple[str, str]]:
    from kontor.privacy.retention import retention_types

    return [(kind.key, str(kind.label_plural)) for kind in retention_types()]


def _retention_category_choices() -> list[tuple[str, str]]:
    from kontor.privacy.retention import retention_types

    choices = [("", str(_("all")))]
    for kind in retention_types():
        for value, label in kind.retention.categories:  # type: ignore[union-attr]
            choices.append((value, f"{kind.label_plural}: {label}"))
    return choices


class RetentionRuleForm(forms.Form):
    record_type = forms.ChoiceField(label=_("Record type"), choices=_retention_type_choices)
    category = forms.ChoiceField(
        label=_("Category"), choices=_retention_category_choices, required=False
    )
    months = forms.IntegerField(
        label=_("Kept for (months)"),
        min_value=1,
        max_value=1200,
        help_text=_("Counted from the last interaction, or from the end of a document's year."),
    )
    legal_ground = forms.CharField(label=_("Legal ground"), required=False, max_length=500)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
