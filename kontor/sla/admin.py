"""Business calendars and SLA policies in the admin (beside teams and
roles). The weekly hours are one line per weekday ("08:00-12:00,
13:00-17:00"), the targets one number per priority; saving goes through the
services, which check the fields and write the audit trail."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kontor.access.grants import access_for
from kontor.sla import services, validation
from kontor.sla.clock import WEEKDAYS
from kontor.sla.models import PRIORITIES, TARGET_KINDS, BusinessCalendar, SlaPolicy

WEEKDAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
PRIORITY_LABELS = {
    "low": _("low"),
    "normal": _("normal"),
    "high": _("high"),
    "urgent": _("urgent"),
}
TARGET_LABELS = {
    "first_response_minutes": _("first response (business minutes)"),
    "resolution_minutes": _("resolution (business minutes)"),
}


def _form_errors(form: forms.Form, errors: dict[str, list[str]], fields: dict[str, str]) -> None:
    """Service or validation errors on the form field they concern."""
    for key, reasons in errors.items():
        target = next((f for prefix, f in fields.items() if key.startswith(prefix)), None)
        for reason in reasons:
            form.add_error(target if target in form.fields else None, f"{key}: {reason}")


def _hours_field(day: str) -> forms.CharField:
    return forms.CharField(
        label=WEEKDAY_LABELS[day],
        required=False,
        help_text=_("e.g. 08:00-12:00, 13:00-17:00; empty: closed"),
    )


def _target_field(priority: str, kind: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=f"{PRIORITY_LABELS[priority]}: {TARGET_LABELS[kind]}",
        required=False,
        min_value=1,
        max_value=validation.MAX_TARGET_MINUTES,
    )


class _CalendarForm(forms.ModelForm):
    closed_days_text = forms.CharField(
        label=_("closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The company's own closed days, one date (YYYY-MM-DD) a line."),
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "country", "subdivision"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hours = self.instance.hours or {}
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"].initial = ", ".join(
                f"{start}-{end}" for start, end in hours.get(day, [])
            )
        self.fields["closed_days_text"].initial = "\n".join(self.instance.closed_days or [])

    def clean(self) -> dict[str, Any]:
        values = super().clean()
        hours: dict[str, Any] = {}
        for day in WEEKDAYS:
            text = self.cleaned_data.get(f"hours_{day}") or ""
            periods = [p.strip() for p in text.split(",") if p.strip()]
            hours[day] = [[part.strip() for part in p.split("-", 1)] for p in periods]
        days = [line.strip() for line in (values.get("closed_days_text") or "").splitlines()]
        errors: validation.Errors = {}
        validation.clean_time_zone(errors, values.get("time_zone"))
        values["country"], values["subdivision"] = validation.clean_country(
            errors, values.get("country"), values.get("subdivision")
        )
        values["hours"] = validation.clean_hours(errors, hours)
        values["closed_days"] = validation.clean_closed_days(errors, [d for d in days if d])
        _form_errors(
            self,
            errors,
            {
                "time_zone": "time_zone",
                "country": "country",
                "subdivision": "subdivision",
                **{f"hours.{day}": f"hours_{day}" for day in WEEKDAYS},
                "hours": "hours_mon",
                "closed_days": "closed_days_text",
            },
        )
        return values

    def service_data(self) -> dict[str, Any]:
        return {
            field: self.cleaned_data[field]
            for field in ("name", "time_zone", "country", "subdivision", "hours", "closed_days")
        }


# The form with one field a weekday, declared (the admin lists them by name).
BusinessCalendarForm = type(
    "BusinessCalendarForm",
    (_CalendarForm,),
    {f"hours_{day}": _hours_field(day) for day in WEEKDAYS},
)


class _AdministratorsOnly(admin.ModelAdmin):
    """Staff may look; administrators (manage access) change."""

    def _administrator(self, request) -> bool:
        return request.user.is_active and access_for(request.user).manage_access

    def has_view_permission(self, request, obj=None) -> bool:
        return self._administrator(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return self._administrator(request) or super().has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return self._administrator(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._administrator(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._administrator(request)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(_AdministratorsOnly):
    form = BusinessCalendarForm
    list_display = ["name", "time_zone", "country", "subdivision", "updated_at"]
    search_fields = ["name"]

    def get_fields(self, request, obj=None):
        return [
            "name", "time_zone", "country", "subdivision",
            *[f"hours_{day}" for day in WEEKDAYS], "closed_days_text",
        ]  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        data = form.service_data()
        if change:
            fresh = BusinessCalendar.objects.get(pk=obj.pk)
            saved = services.calendar_update(actor=request.user, calendar=fresh, data=data)
        else:
            saved = services.calendar_create(actor=request.user, data=data)
        obj.pk = saved.pk
        obj.version = saved.version

    def delete_model(self, request, obj) -> None:
        services.calendar_delete(actor=request.user, calendar=obj)

    def delete_queryset(self, request, queryset) -> None:
        for calendar in queryset:
            services.calendar_delete(actor=request.user, calendar=calendar)


class _PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name", "calendar", "organization_tag", "is_default", "warning_share",
            "reassign_on_breach",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = self.instance.targets or {}
        for priority in PRIORITIES:
            for kind in TARGET_KINDS:
                self.fields[f"{priority}__{kind}"].initial = targets.get(priority, {}).get(kind)

    def clean(self) -> dict[str, Any]:
        values = super().clean()
        targets: dict[str, Any] = {}
        for priority in PRIORITIES:
            given = {
                kind: self.cleaned_data.get(f"{priority}__{kind}")
                for kind in TARGET_KINDS
                if self.cleaned_data.get(f"{priority}__{kind}") is not None
            }
            if given:
                targets[priority] = given
        errors: validation.Errors = {}
        values["targets"] = validation.clean_targets(errors, targets)
        values["organization_tag"] = validation.clean_tag(errors, values.get("organization_tag"))
        fields = {f"targets.{p}.{k}": f"{p}__{k}" for p in PRIORITIES for k in TARGET_KINDS}
        fields.update({f"targets.{p}": f"{p}__first_response_minutes" for p in PRIORITIES})
        fields["organization_tag"] = "organization_tag"
        _form_errors(self, errors, fields)
        return values

    def service_data(self) -> dict[str, Any]:
        data = {
            field: self.cleaned_data[field]
            for field in (
                "name", "targets", "organization_tag", "is_default", "warning_share",
                "reassign_on_breach",
            )
        }  # fmt: skip
        data["calendar_id"] = self.cleaned_data["calendar"].pk
        return data


# The form with one field a priority and target, declared.
SlaPolicyForm = type(
    "SlaPolicyForm",
    (_PolicyForm,),
    {f"{p}__{k}": _target_field(p, k) for p in PRIORITIES for k in TARGET_KINDS},
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(_AdministratorsOnly):
    form = SlaPolicyForm
    list_display = ["name", "calendar", "organization_tag", "is_default", "warning_share"]
    list_select_related = ["calendar"]
    search_fields = ["name", "organization_tag"]

    def get_fields(self, request, obj=None):
        return [
            "name", "calendar", "organization_tag", "is_default", "warning_share",
            "reassign_on_breach",
            *[f"{p}__{k}" for p in PRIORITIES for k in TARGET_KINDS],
        ]  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        data = form.service_data()
        if change:
            fresh = SlaPolicy.objects.get(pk=obj.pk)
            saved = services.policy_update(actor=request.user, policy=fresh, data=data)
        else:
            saved = services.policy_create(actor=request.user, data=data)
        obj.pk = saved.pk
        obj.version = saved.version

    def delete_model(self, request, obj) -> None:
        services.policy_delete(actor=request.user, policy=obj)

    def delete_queryset(self, request, queryset) -> None:
        for policy in queryset:
            services.policy_delete(actor=request.user, policy=policy)
