"""API schemas of the contact history and the 360° view."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from pydantic import ConfigDict, Field, create_model

from kontor.activities.links import link_parameters, note_visible_links, shown_links
from kontor.activities.models import Activity, CallOutcome, Direction, Kind, TaskStatus
from kontor.activities.overview import Overview
from kontor.activities.sections import ANSWER_KEYS, overview_sections
from kontor.api.fields import IsoDateTime
from kontor.api.schemas import Schema, StrictSchema
from kontor.contacts.schemas import ContactOut, OrganizationOut
from kontor.contacts.visibility import note_visible_organizations, shown_organization
from kontor.core.users import user_name
from kontor.files.models import Attachment

KindName = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
DirectionName = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(CallOutcome.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(TaskStatus.values)]  # type: ignore[valid-type]
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1


class ParticipantIn(StrictSchema):
    contact_id: UUID | None = None
    user_id: int | None = Field(None, ge=1, le=MAX_ID)


def with_links(base: type[Schema], name: str, *, writing: bool) -> Any:
    """``base`` with a field per record type activities and files may name
    (``deal_id``; kontor.activities.links), read from the registry when the
    API is built."""
    fields: dict[str, Any] = {
        parameter: (
            UUID | None,
            Field(
                None,
                description=(
                    f"The {kind.label} this is about besides its contact or organization"
                    + (
                        "; default contact and organization: the "
                        f"{kind.label}'s. null removes the link."
                        if writing
                        else "; null also when it is not visible to you."
                    )
                ),
            ),
        )
        for parameter, kind in link_parameters().items()
    }
    return create_model(name, __base__=base, **fields)


class _ActivityFields(StrictSchema):
    """Every field a client may write. Which ones apply depends on ``kind``;
    a field of another kind is rejected with 422."""

    subject: str | None = Field(None, max_length=255)
    body: str | None = Field(None, description="Plain text.")
    occurred_at: IsoDateTime | None = Field(
        None, description="Default: now. A meeting takes place at its starts_at."
    )
    contact_id: UUID | None = None
    organization_id: UUID | None = Field(None, description="Default: the contact's organization.")
    direction: DirectionName | None = Field(None, description="Calls and emails; default outbound.")
    # Calls
    duration_seconds: int | None = Field(None, description="Calls.")
    outcome: OutcomeName | None = Field(None, description="Calls.")
    phone_number: str | None = Field(None, max_length=64, description="Calls: the number used.")
    # Meetings
    starts_at: IsoDateTime | None = Field(None, description="Meetings (required).")
    ends_at: IsoDateTime | None = Field(None, description="Meetings.")
    location: str | None = Field(None, max_length=255, description="Meetings.")
    participants: list[ParticipantIn] | None = Field(
        None, description="Meetings: contacts and colleagues, each {contact_id} or {user_id}."
    )
    # Emails
    body_html: str | None = Field(None, description="Emails: the HTML part as received.")
    message_id: str | None = Field(None, max_length=998, description="Emails.")
    from_: str | None = Field(None, alias="from", max_length=998, description="Emails.")
    to: list[str] | None = Field(None, description="Emails.")
    cc: list[str] | None = Field(None, description="Emails.")
    thread: str | None = Field(
        None, max_length=998, description="Emails: the thread, e.g. the first message's id."
    )
    # Tasks
    due_at: IsoDateTime | None = Field(None, description="Tasks (required).")
    assignee_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Tasks; default: the author."
    )
    status: StatusName | None = Field(None, description="Tasks; default open.")
    completed_at: IsoDateTime | None = Field(
        None, description="Tasks; set when the status becomes done."
    )


ActivityFields = with_links(_ActivityFields, "ActivityFields", writing=True)


class ActivityIn(ActivityFields):
    kind: KindName


class ActivityPatch(ActivityFields):
    kind: KindName | None = Field(None, description="Cannot be changed.")
    version: int | None = Field(
        None,
        ge=0,
        le=MAX_VERSION,
        description="The version you read; 409 if it is no longer current.",
    )


def activity_input(payload: ActivityFields, *, partial: bool) -> dict[str, Any]:
    """The service's input: the fields the client sent, under the API's names."""
    data = payload.model_dump(exclude_unset=True, by_alias=True, exclude={"version"})
    if partial and data.get("kind") is None:
        data.pop("kind", None)
    return data


class Ref(Schema):
    id: UUID
    name: str


class ParticipantOut(Schema):
    contact_id: UUID | None
    user_id: int | None
    name: str


class _FileOut(Schema):
    id: UUID
    name: str
    size: int
    content_type: str
    url: str = Field(description="GET returns the file's bytes.")
    activity_id: UUID | None
    contact_id: UUID | None
    organization_id: UUID | None
    uploaded_by_id: int | None
    created_at: datetime


FileOut = with_links(_FileOut, "FileOut", writing=False)


class FileList(Schema):
    items: list[FileOut]
    next: str | None


class _ActivityOut(Schema):
    """Fields of other kinds are null."""

    model_config = ConfigDict(populate_by_name=True)

    id: UUID
    kind: str
    subject: str
    body: str
    occurred_at: datetime
    direction: str | None
    contact_id: UUID | None
    organization_id: UUID | None = Field(
        description="Null also when the organization is not visible to you."
    )
    contact: Ref | None
    organization: Ref | None = Field(
        description="Null also when the organization is not visible to you."
    )
    author_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    duration_seconds: int | None
    outcome: str | None
    phone_number: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    location: str | None
    participants: list[ParticipantOut] | None
    body_html: str | None
    message_id: str | None
    from_: str | None = Field(alias="from")
    to: list[str] | None
    cc: list[str] | None
    thread: str | None
    due_at: datetime | None
    assignee_id: int | None
    status: str | None
    completed_at: datetime | None
    files: list[FileOut]


ActivityOut = with_links(_ActivityOut, "ActivityOut", writing=False)


class ActivityList(Schema):
    items: list[ActivityOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class OverviewBase(Schema):
    """The 360° view. deals, tickets, quotes, orders and open_payments come
    from the domains that register them (kontor.activities.sections); a key
    whose domain is not installed is an empty list."""

    colleagues: list[ContactOut] = Field(
        description="For a contact: the others at its organization; "
        "for an organization: the people who work there."
    )
    open_tasks: list[ActivityOut]
    last_interaction: ActivityOut | None = Field(
        description="The latest call, email or meeting that took place."
    )
    next_interaction: ActivityOut | None = Field(
        description="The next planned meeting or open task."
    )
    counts: dict[str, int] = Field(description="Number of activities per kind.")
    recent_activities: list[ActivityOut]
    files: list[FileOut]
    deals: list[dict[str, Any]] = Field(
        description="Open deals: id, title, pipeline, stage, amount, currency, close date."
    )
    tickets: list[dict[str, Any]]
    quotes: list[dict[str, Any]] = Field(description="The latest quotes, newest first.")
    orders: list[dict[str, Any]] = Field(description="Open orders, newest first.")
    open_payments: list[dict[str, Any]] = Field(
        description="Per currency: open_total, overdue_total, oldest_due_date (of unpaid "
        "invoices). Empty when nothing is open, and for roles that may not read financial "
        "data."
    )
    quality: dict[str, Any] | None = Field(
        None,
        description="The record's data quality: score (0–100), parts (completeness, validity, "
        "freshness, duplicates: points of), reasons (part, code, text; only fields you may "
        "read) and computed_at; null while it has no score yet.",
    )
    missing_fields: list[str] = Field(
        description="Important fields that are still empty: for a contact name, email, "
        "phone, organization, owner; for an organization website, email, phone, owner, "
        "contacts."
    )


class ContactOverview(OverviewBase):
    contact: ContactOut
    organization: OrganizationOut | None


class OrganizationOverview(OverviewBase):
    organization: OrganizationOut


# Output builders -------------------------------------------------------------------


def file_out(request: HttpRequest, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": request.build_absolute_uri(
            reverse("api:file_download", kwargs={"file_id": attachment.pk})
        ),
        "activity_id": attachment.activity_id,
        "contact_id": attachment.contact_id,
        "organization_id": attachment.organization_id,
        "uploaded_by_id": attachment.uploaded_by_id,
        "created_at": attachment.created_at,
        **shown_links(request.user, attachment),
    }


def activity_out(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    """One activity as the API shows it; expects ``with_related`` (or
    ``related_prefetches``) to have loaded participants and files, and for
    many activities ``note_visible_organizations`` to have checked their
    organizations at once (one the user may not read is left out)."""
    kind = activity.kind
    organization = shown_organization(request.user, activity)

    def only(*kinds: str):
        return (lambda value: value) if kind in kinds else (lambda value: None)

    calls, emails, meetings, tasks = (
        only(Kind.CALL),
        only(Kind.EMAIL),
        only(Kind.MEETING),
        only(Kind.TASK),
    )
    return {
        "id": activity.pk,
        "kind": kind,
        "subject": activity.subject,
        "body": activity.body,
        "occurred_at": activity.occurred_at,
        "direction": only(Kind.CALL, Kind.EMAIL)(activity.direction or None),
        "contact_id": activity.contact_id,
        "organization_id": organization.pk if organization else None,
        "contact": {"id": activity.contact.pk, "name": activity.contact.display_name}
        if activity.contact
        else None,
        "organization": {"id": organization.pk, "name": organization.name}
        if organization
        else None,
        "author_id": activity.author_id,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
        "version": activity.version,
        "duration_seconds": calls(activity.duration_seconds),
        "outcome": calls(activity.outcome or None),
        "phone_number": calls(activity.phone_number or None),
        "starts_at": meetings(activity.starts_at),
        "ends_at": meetings(activity.ends_at),
        "location": meetings(activity.location),
        "participants": meetings(
            [
                {
                    "contact_id": p.contact_id,
                    "user_id": p.user_id,
                    "name": p.contact.display_name if p.contact else user_name(p.user),
                }
                for p in activity.participant_list
            ]
        ),
        "body_html": emails(activity.body_html),
        "message_id": emails(activity.message_id),
        "from": emails(activity.from_address),
        "to": emails(activity.to_addresses),
        "cc": emails(activity.cc_addresses),
        "thread": emails(activity.thread),
        "due_at": tasks(activity.due_at),
        "assignee_id": tasks(activity.assignee_id),
        "status": tasks(activity.status),
        "completed_at": tasks(activity.completed_at),
        "files": [file_out(request, a) for a in activity.attachment_list],
        **shown_links(request.user, activity),
    }


def overview_out(request: HttpRequest, overview: Overview) -> dict[str, Any]:
    def activity(value: Activity | None) -> dict[str, Any] | None:
        return activity_out(request, value) if value else None

    shown = [
        *overview.open_tasks,
        *overview.recent_activities,
        overview.last_interaction,
        overview.next_interaction,
    ]
    note_visible_links(
        request.user,
        [*shown, *overview.files, *(f for a in shown if a for f in a.attachment_list)],
    )
    note_visible_organizations(
        request.user,
        [
            overview.record,
            *overview.colleagues,
            *overview.open_tasks,
            *overview.recent_activities,
            overview.last_interaction,
            overview.next_interaction,
        ],
    )

    parties: dict[str, Any] = (
        {"contact": overview.record, "organization": overview.organization}
        if overview.is_contact
        else {"organization": overview.record}
    )
    return {
        **parties,
        "colleagues": overview.colleagues,
        "open_tasks": [activity_out(request, a) for a in overview.open_tasks],
        "last_interaction": activity(overview.last_interaction),
        "next_interaction": activity(overview.next_interaction),
        "counts": overview.counts,
        "recent_activities": [activity_out(request, a) for a in overview.recent_activities],
        "files": [file_out(request, f) for f in overview.files],
        **{key: [] for key in ANSWER_KEYS},
        **{
            section.key: section.as_json(request, overview.sections[section.key])
            for section in overview_sections()
            if section.key in overview.sections
        },
        "missing_fields": overview.missing_fields,
    }
