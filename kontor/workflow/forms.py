"""The rule form: name, record type, and the trigger, conditions and
actions as JSON (the same as the API's), checked by the services."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.workflow import spec

JSON_HELP = _("JSON, as in the API (see the documentation of workflow rules).")


class JSONText(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"})

    def __init__(self, *, kind: type, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(help_text=JSON_HELP, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return value

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return self.kind()
        try:
            parsed = json.loads(value)
        except ValueError as error:
            raise forms.ValidationError(
                _("This is no valid JSON: %(error)s") % {"error": error}
            ) from None
        if not isinstance(parsed, self.kind):
            raise forms.ValidationError(
                _("Give a JSON object.") if self.kind is dict else _("Give a JSON list.")
            )
        return parsed


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    record_type = forms.ChoiceField(label=_("Record type"))
    trigger = JSONText(label=_("Trigger"), kind=dict)
    conditions = JSONText(label=_("Conditions"), kind=dict, required=False)
    actions = JSONText(label=_("Actions"), kind=list)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [(key, key) for key in spec.rule_types()]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the services' errors (``actions[0].field``) on the form's fields."""
        for key, reasons in errors.items():
            field = key.split(".")[0].split("[")[0]
            target = field if field in self.fields else None
            for reason in reasons:
                self.add_error(target, f"{key}: {reason}" if key != field else reason)


class TryForm(forms.Form):
    record_id = forms.CharField(label=_("Record ID"), max_length=64)
