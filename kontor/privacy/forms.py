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
