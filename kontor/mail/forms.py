from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.files.forms import MultipleFileField


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Email files"),
        help_text=_("Single messages (.eml), mailbox files (.mbox) or Outlook messages (.msg)."),
    )
    create_unknown_contacts = forms.BooleanField(
        label=_("Create a contact for each unknown sender"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = (
            ".eml,.mbox,.msg,message/rfc822,application/mbox,application/vnd.ms-outlook"
        )
