"""Schedules in the admin: administrators switch periodic jobs off or give
them another time. Jobs themselves are on the jobs page (/jobs/) and in the
API; django-tasks-db's own admin lists the raw task rows."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.tasks.models import Schedule
from kontor.tasks.schedules import next_run


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["enabled", "cron", "every_seconds"]

    def clean(self) -> dict:
        from croniter import croniter

        values = super().clean()
        cron, every = values.get("cron") or "", values.get("every_seconds")
        if bool(cron) == bool(every):
            raise forms.ValidationError(_("Give either a cron expression or an interval."))
        if cron and not croniter.is_valid(cron):
            self.add_error("cron", _("This is no cron expression (minute hour day month weekday)."))
        return values


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["name", "description", "cron", "every_seconds", "enabled", "next_run_at"]
    list_filter = ["enabled"]
    readonly_fields = ["name", "task_path", "description", "last_run_at", "next_run_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # schedules come from the apps that do the work

    def save_model(self, request, obj, form, change) -> None:
        obj.next_run_at = next_run(obj, timezone.now())
        super().save_model(request, obj, form, change)
