"""Web forms to log calls, write notes, plan meetings, create tasks and attach
files. They only read the input; the services decide what is valid."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import fields_for
from kontor.activities.models import CallOutcome, Direction, Kind
from kontor.activities.selectors import assignable_users
from kontor.contacts.models import Contact, Organization
from kontor.core.exceptions import FieldErrors
from kontor.core.users import UserChoiceField, UserMultipleChoiceField
from kontor.files.forms import MultipleFileField


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ActivityForm(forms.Form):
    """Base of the forms of one kind, for one contact or organization."""

    kind: str = ""
    # Service fields whose errors belong to a differently named form field.
    error_fields: dict[str, str] = {}

    files = MultipleFileField(label=_("Attach files"), required=False)

    def __init__(self, *args: Any, user, record: Contact | Organization, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.user = user
        self.record = record
        self.order_fields([name for name in self.fields if name != "files"] + ["files"])

    def links(self) -> dict[str, Any]:
        if isinstance(self.record, Contact):
            return {"contact_id": self.record.pk}
        return {"organization_id": self.record.pk}

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            field: data[field]
            for field in self.fields
            if field not in {"files", *self.error_fields.values()} and field in data
        }
        values = {k: v for k, v in values.items() if v not in (None, "")}
        return {"kind": self.kind, **self.links(), **values, **self.extra_data()}

    def extra_data(self) -> dict[str, Any]:
        return {}

    def add_service_errors(self, exc: FieldErrors) -> None:
        for field, reasons in exc.errors.items():
            name = self.error_fields.get(field, field)
            name = "files" if name == "file" else name
            for reason in reasons:
                if name in self.fields:
                    self.add_error(name, reason)
                else:
                    self.add_error(None, f"{field}: {reason}" if field != "__all__" else reason)


class CallForm(ActivityForm):
    kind = Kind.CALL
    error_fields = {"duration_seconds": "duration_minutes"}

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.OUTBOUND,
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CallOutcome.choices,
        initial=CallOutcome.ANSWERED,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)
    phone_number = forms.CharField(label=_("Number"), required=False, max_length=64)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False)
    occurred_at = forms.DateTimeField(label=_("When"), required=False, widget=LocalDateTimeInput())

    field_order = [
        "direction", "outcome", "body", "subject", "phone_number", "duration_minutes",
        "occurred_at", "files",
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record_type = "contact" if isinstance(self.record, Contact) else "organization"
        # The record's numbers are offered only to who may read them (kontor.access).
        phones = (
            list(self.record.phones.all()) if "phones" in fields_for(self.user, record_type) else []
        )
        if phones:
            self.fields["phone_number"].initial = phones[0].raw
        self.phone_choices = [p.raw for p in phones]
        if phones:
            self.fields["phone_number"].widget.attrs["list"] = "call-phone-choices"

    def extra_data(self) -> dict[str, Any]:
        minutes = self.cleaned_data.get("duration_minutes")
        return {} if minutes is None else {"duration_seconds": minutes * 60}


class NoteForm(ActivityForm):
    kind = Kind.NOTE

    body = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mention a colleague with @username to notify them."),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)

    field_order = ["body", "subject", "files"]


def _next_full_hour(hours: int = 1) -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=hours)


class MeetingForm(ActivityForm):
    kind = Kind.MEETING

    subject = forms.CharField(label=_("Subject"), max_length=255)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), required=False, widget=LocalDateTimeInput())
    location = forms.CharField(label=_("Location"), required=False, max_length=255)
    colleagues = UserMultipleChoiceField(
        label=_("Colleagues taking part"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    error_fields = {"participants": "colleagues"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleagues"].queryset = assignable_users()
        self.fields["colleagues"].initial = [self.user.pk]
        self.fields["starts_at"].initial = _next_full_hour(24)
        self.fields["ends_at"].initial = _next_full_hour(25)

    def extra_data(self) -> dict[str, Any]:
        participants = [{"user_id": u.pk} for u in self.cleaned_data.get("colleagues") or []]
        if isinstance(self.record, Contact):
            participants.insert(0, {"contact_id": self.record.pk})
        return {"participants": participants}


class TaskForm(ActivityForm):
    kind = Kind.TASK

    subject = forms.CharField(label=_("What is to be done?"), max_length=255)
    due_at = forms.DateTimeField(label=_("Due"), widget=LocalDateTimeInput())
    assignee_id = UserChoiceField(label=_("Assignee"), queryset=None, required=False)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"].queryset = assignable_users()
        self.fields["assignee_id"].initial = self.user.pk
        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        self.fields["due_at"].initial = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        assignee = self.cleaned_data.get("assignee_id")
        data["assignee_id"] = assignee.pk if assignee else None
        return data


FORMS: dict[str, type[ActivityForm]] = {
    Kind.CALL: CallForm,
    Kind.NOTE: NoteForm,
    Kind.MEETING: MeetingForm,
    Kind.TASK: TaskForm,
}
