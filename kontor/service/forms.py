"""Forms of the ticket pages. They only read what was typed; the services
validate (and their errors come back to the fields they concern)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontor.access.models import Team
from kontor.contacts import selectors as contact_selectors
from kontor.contacts.forms import active_users, translate_reason
from kontor.contacts.visibility import shown_contact, shown_organization_id
from kontor.core.users import UserChoiceField
from kontor.service.models import Channel, MessageKind, Priority, Status
from kontor.sla.models import SlaPolicy

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class ServiceErrorsForm(forms.Form):
    """Put a service's field errors next to the fields they concern."""

    error_fields: dict[str, str] = {
        "organization_id": "organization",
        "contact_id": "contact",
        "team_id": "team",
        "assignee_id": "assignee",
    }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, reasons in errors.items():
            messages = [translate_reason(reason) for reason in reasons]
            field = self.error_fields.get(key, key)
            if field not in self.fields:
                messages = [f"{key}: {message}" for message in messages]
                field = None
            self.add_error(field, messages)


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT),
    )


def _due_changed(given: Any, current: Any) -> bool:
    """The form shows due times to the minute."""
    if given is None or current is None:
        return given is not current
    return abs((given - current).total_seconds()) >= 60


class TicketForm(ServiceErrorsForm):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    organization = forms.CharField(
        label=_("Organization"), required=False, max_length=255,
        help_text=_("The name as it is stored."),
    )  # fmt: skip
    organization_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    contact = forms.CharField(
        label=_("Contact"), required=False, max_length=255,
        help_text=_("A person's name as it is stored."),
    )  # fmt: skip
    contact_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    team = forms.ModelChoiceField(
        label=_("Queue"), queryset=Team.objects.all(), required=False, empty_label=_("none")
    )
    assignee = UserChoiceField(
        label=_("Assignee"), queryset=active_users(), required=False, empty_label=_("nobody")
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    sla_policy = forms.ModelChoiceField(
        label=_("SLA policy"),
        queryset=SlaPolicy.objects.all(),
        required=False,
        empty_label=_("by the customer's tag, else the default"),
        help_text=_("Its targets and business hours give the due times."),
    )
    first_response_due_at = _datetime_field(_("First response due"))
    resolution_due_at = _datetime_field(_("Resolution due"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.ticket = ticket
        if ticket is not None:
            del self.fields["channel"]
            if not self.is_bound:
                self.initial.update(
                    subject=ticket.subject,
                    description=ticket.description,
                    team=ticket.team_id,
                    assignee=ticket.assignee_id,
                    priority=ticket.priority,
                    category=ticket.category,
                    sla_policy=ticket.sla_policy_id,
                    first_response_due_at=ticket.first_response_due_at,
                    resolution_due_at=ticket.resolution_due_at,
                    version=ticket.version,
                )
                self.set_customer(ticket)

    def set_customer(self, ticket: Any) -> None:
        if shown_organization_id(self.user, ticket):
            self.initial.update(
                organization=ticket.organization.name, organization_id=ticket.organization_id
            )
        if contact := shown_contact(self.user, ticket):
            self.initial.update(contact=contact.display_name, contact_id=contact.pk)

    def _named(self, field: str, records: Any, name_field: str, chosen: Any) -> Any:
        name = (self.cleaned_data.get(field) or "").strip()
        if not name:
            return None
        if chosen:
            record = records.filter(pk=chosen).first()
            if record is not None and getattr(record, name_field) == name:
                return record
        matches = list(records.filter(**{f"{name_field}__iexact": name})[:2])
        if not matches:
            self.add_error(field, _("Nobody of this name is stored; check the spelling."))
            return None
        if len(matches) > 1:
            self.add_error(
                field, _("Several records have this name; open the ticket from one of them.")
            )
            return None
        return matches[0]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        organization = self._named(
            "organization",
            contact_selectors.visible_organizations(self.user),
            "name",
            data.get("organization_id"),
        )
        contact = self._named(
            "contact",
            contact_selectors.visible_contacts(self.user),
            "display_name",
            data.get("contact_id"),
        )
        values: dict[str, Any] = {
            "subject": data["subject"],
            "description": data.get("description") or "",
            "organization_id": organization.pk if organization else None,
            "contact_id": contact.pk if contact else None,
            "team_id": data["team"].pk if data.get("team") else None,
            "assignee_id": data["assignee"].pk if data.get("assignee") else None,
            "priority": data["priority"],
            "category": data.get("category") or "",
            "first_response_due_at": data.get("first_response_due_at"),
            "resolution_due_at": data.get("resolution_due_at"),
        }
        if "channel" in self.fields:
            values["channel"] = data["channel"]
        # Due times go to the service only when given (new ticket) or changed
        # (edit): otherwise the SLA policy computes them, also anew when the
        # priority or the policy changes.
        for field in ("first_response_due_at", "resolution_due_at"):
            if not _due_changed(values[field], getattr(self.ticket, field, None)):
                del values[field]
        policy = data.get("sla_policy")
        if (policy.pk if policy else None) != getattr(self.ticket, "sla_policy_id", None):
            values["sla_policy_id"] = policy.pk if policy else None
        if self.ticket is None and organization is None:
            # A contact alone brings its organization along (the service).
            del values["organization_id"]
        return values


class QuickEditForm(ServiceErrorsForm):
    """Status, priority, assignee and queue, on the ticket's page."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    assignee = UserChoiceField(
        label=_("Assignee"), queryset=active_users(), required=False, empty_label=_("nobody")
    )
    team = forms.ModelChoiceField(
        label=_("Queue"), queryset=Team.objects.all(), required=False, empty_label=_("none")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "priority": data["priority"],
            "assignee_id": data["assignee"].pk if data.get("assignee") else None,
            "team_id": data["team"].pk if data.get("team") else None,
        }


class MessageForm(ServiceErrorsForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (MessageKind.REPLY, _("Reply to the customer (sent by email)")),
            (MessageKind.NOTE, _("Internal note")),
        ],
        widget=forms.RadioSelect,
        initial=MessageKind.REPLY,
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))


class BulkForm(forms.Form):
    """The queue's bulk action; the tickets are the checked boxes (``ids``)."""

    action = forms.ChoiceField(choices=[("assign", _("Assign")), ("close", _("Close"))])
    assignee = UserChoiceField(
        label=_("Assign to"), queryset=active_users(), required=False, empty_label=_("nobody")
    )
