"""``{% history_panel record %}``: the contact history and the 360° sections on
a contact's or an organization's page, with the forms to log activities.

A page includes it with one line; the tag reads the overview through the
selectors itself, so the page's view needs to know nothing about it."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kontor.access.policy import can, can_create, fields_for
from kontor.activities.forms import FORMS
from kontor.activities.models import Kind
from kontor.activities.overview import contact_overview, organization_overview
from kontor.activities.sections import is_registered as section_registered
from kontor.activities.sections import overview_sections
from kontor.contacts.models import Contact, Organization
from kontor.files.forms import UploadForm

register = template.Library()

MISSING_LABELS = {
    "name": _("name"),
    "email": _("email address"),
    "phone": _("phone number"),
    "organization": _("organization"),
    "owner": _("owner"),
    "website": _("website"),
    "contacts": _("contact persons"),
}
QUICK_ACTIONS = [
    (Kind.CALL, _("Log call")),
    (Kind.NOTE, _("Write note")),
    (Kind.MEETING, _("Plan meeting")),
    (Kind.TASK, _("Create task")),
    ("file", _("Attach files")),
]
LATER_SECTIONS = [
    ("deals", _("Deals")),
    ("tickets", _("Tickets")),
    ("quotes", _("Quotes")),
    ("orders", _("Orders")),
    ("open_payments", _("Open payments")),
]


@register.inclusion_tag("activities/_history_panel.html", takes_context=True)
def history_panel(context: template.Context, record: Contact | Organization) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    is_contact = isinstance(record, Contact)
    if is_contact:
        overview = contact_overview(user=user, contact=record)
    else:
        overview = organization_overview(user=user, organization=record)

    bound = context.get("history_form")
    forms = {
        kind: bound if bound is not None and bound.kind == kind else form(user=user, record=record)
        for kind, form in FORMS.items()
    }
    prefix = "contact" if is_contact else "organization"
    actions = [
        {
            "key": key,
            "label": label,
            "form": forms.get(key) or context.get("history_upload_form") or UploadForm(),
            "url": (
                reverse(f"{prefix}-file-upload", args=[record.pk])
                if key == "file"
                else reverse(f"{prefix}-activity-create", args=[record.pk, key])
            ),
        }
        for key, label in QUICK_ACTIONS
    ]
    # Only the actions the user's roles allow on this record (kontor.access).
    allowed = {
        kind: can_create(user, kind, owner_ids=[record.owner_id], parents=[record])
        for kind in ("activity", "file")
    }
    actions = [a for a in actions if allowed["file" if a["key"] == "file" else "activity"]]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "is_contact": is_contact,
        "show_record": not is_contact,
        "overview": overview,
        "actions": actions,
        "open_action": context.get("history_open", ""),
        "counts": [(kind, label, overview.counts.get(kind, 0)) for kind, label in Kind.choices],
        "missing": [MISSING_LABELS[key] for key in overview.missing_fields],
        # Sections of installed domains as their cards; the others as "none yet".
        "sections": [
            {"section": section, "content": overview.sections.get(section.key)}
            for section in overview_sections()
        ],
        "later_sections": [
            (key, label) for key, label in LATER_SECTIONS if not section_registered(key)
        ],
        "timeline_url_name": f"{prefix}-timeline",
        # Colleagues' contact points only for who may read them (kontor.access).
        "contact_fields": fields_for(user, "contact"),
        "can_edit_record": can(user, "edit", record),
        "now": timezone.now(),
    }


@register.simple_tag(takes_context=True)
def overview_section(context: template.Context, entry: dict[str, Any]) -> str:
    """The card of a section another domain registered (kontor.activities.sections)."""
    from django.template.loader import render_to_string

    return render_to_string(
        entry["section"].template,
        {
            "section": entry["section"],
            "content": entry["content"],
            "record": context.get("record"),
            "is_contact": context.get("is_contact"),
            "request": context.get("request"),
            "user": context["request"].user,
        },
    )


@register.inclusion_tag("activities/_timeline_entry.html", takes_context=True)
def timeline_entry(
    context: template.Context, activity, show_record: bool = False
) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "activity": activity,
        "show_record": show_record,
        # Back here after marking a task done, unless this page answered a POST.
        "next": request.get_full_path() if request.method == "GET" else "",
    }


@register.filter
def duration(seconds: int | None) -> str:
    """``754`` → ``12:34``; hours when needed."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def filesize(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
