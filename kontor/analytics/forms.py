"""The dashboards' filter form. It only renders the fields: the filters
are read by ``kontor.analytics.filters.parse_filters``, as in the API, and
its errors are shown at their fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.access.selectors import team_list
from kontor.analytics.filters import BY_TEAM, BY_USER
from kontor.core.exceptions import FieldErrors
from kontor.sales.selectors import pipeline_list

ONE_PIPELINE = ("pipeline", "leads")
NO_PIPELINE = ("activities", "service", "payments")


class DashboardFilterForm(forms.Form):
    since = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.CharField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pipeline_id = forms.CharField(label=_("Pipeline"), required=False, widget=forms.Select)
    team_id = forms.CharField(label=_("Team"), required=False, widget=forms.Select)
    by = forms.CharField(label=_("Figures per"), required=False, widget=forms.Select)

    def __init__(self, *args, dashboard: str, per_user: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        pipelines = list(pipeline_list())
        if dashboard in ONE_PIPELINE:
            # These show one pipeline's stages: the first unless another is chosen.
            choices = [(str(p.pk), str(p)) for p in pipelines]
            choices[:1] = [("", choices[0][1])] if choices else []
            self.fields["pipeline_id"].widget.choices = choices
        elif dashboard in NO_PIPELINE:
            del self.fields["pipeline_id"]
        else:
            self.fields["pipeline_id"].widget.choices = [("", _("Every pipeline"))] + [
                (str(p.pk), str(p)) for p in pipelines
            ]
        self.fields["team_id"].widget.choices = [("", _("Every team"))] + [
            (str(t.pk), t.name) for t in team_list()
        ]
        if per_user:
            self.fields["by"].widget.choices = [(BY_TEAM, _("team")), (BY_USER, _("user"))]
        else:
            del self.fields["by"]

    def show_errors(self, errors: FieldErrors) -> None:
        self.is_valid()
        for name, reasons in errors.errors.items():
            for reason in reasons:
                self.add_error(name if name in self.fields else None, reason)
