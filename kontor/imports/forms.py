from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.imports.models import ImportType, UpdateBy


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any delimiter, UTF-8 or Windows-1252), XLSX or vCard."),
    )
    record_type = forms.ChoiceField(label=_("Import as"), choices=ImportType.choices)


class OptionsForm(forms.Form):
    update_by = forms.ChoiceField(
        label=_("When a row matches an existing record"),
        choices=[
            ("", _("create a new record anyway (create only)")),
            (UpdateBy.EMAIL, _("update the record with the same email address")),
            (UpdateBy.EXTERNAL_ID, _("update the record with the same external id")),
            (UpdateBy.PHONE, _("update the record with the same phone number")),
        ],
        required=False,
    )
    dry_run = forms.BooleanField(label=_("Dry run: check every row, write nothing"), required=False)
    mapping_name = forms.CharField(
        label=_("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=_("Optional: to use it again for the next file of this shape."),
    )
