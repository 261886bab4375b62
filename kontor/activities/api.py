"""API of the contact history: activities, tasks, meetings as iCalendar and the
360° view of contacts and organizations."""

from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from pydantic import Field

from kontor.access import works_council
from kontor.activities import selectors, services
from kontor.activities.ics import meeting_calendar, meeting_file_name
from kontor.activities.links import note_visible_links
from kontor.activities.models import Activity, Kind
from kontor.activities.overview import contact_overview, organization_overview
from kontor.activities.schemas import (
    MAX_ID,
    ActivityIn,
    ActivityList,
    ActivityOut,
    ActivityPatch,
    ContactOverview,
    OrganizationOverview,
    StatusName,
    activity_input,
    activity_out,
    overview_out,
)
from kontor.api.fields import Cursor, IsoDateTime
from kontor.api.schemas import Schema
from kontor.api.versioning import IF_MATCH_OPENAPI, expected_version
from kontor.contacts.selectors import contact_get, organization_get
from kontor.contacts.visibility import note_visible_organizations
from kontor.core.db_router import replica_reads
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import paginate

router = Router(tags=["activities"])

NOT_FOUND = {"detail": "Not found."}


class ActivityListParams(Schema):
    contact_id: UUID | None = None
    organization_id: UUID | None = Field(
        None, description="Includes the activities of the organization's contacts."
    )
    kind: list[str] = Field(
        default_factory=list, description="One or more kinds: kind=call&kind=email or call,email."
    )
    since: IsoDateTime | None = Field(None, description="occurred_at at or after this time.")
    until: IsoDateTime | None = Field(None, description="occurred_at before this time.")
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: StatusName | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


class TaskListParams(Schema):
    assignee: str | None = Field(
        None, pattern=r"^(me|[1-9][0-9]{0,17})$", description='"me" or a user id.'
    )
    status: StatusName | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None


def _kinds(values: list[str]) -> list[str]:
    kinds = [k.strip() for value in values for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in Kind.values]
    if unknown:
        raise FieldErrors.single("kind", f"must be one of: {', '.join(Kind.values)}")
    return kinds


def _respond(request: HttpRequest, response: HttpResponse, activity_id) -> dict:
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    response["ETag"] = f'"{activity.version}"'
    return activity_out(request, activity)


def _page(request: HttpRequest, activities, *, order, limit: int, cursor: str | None) -> dict:
    page = paginate(activities, order=order, limit=limit, cursor=cursor)
    note_visible_organizations(request.user, page.items)
    note_visible_links(
        request.user, [*page.items, *(f for a in page.items for f in a.attachment_list)]
    )
    return {"items": [activity_out(request, a) for a in page.items], "next": page.next}


@router.get("/activities", response=ActivityList, by_alias=True)
def list_activities(request: HttpRequest, params: Query[ActivityListParams]):
    """The contact history, newest first."""
    with replica_reads(request.user):
        works_council.require_employee_view(request.user, params.assignee_id)
        activities = selectors.activity_list(
            user=request.user,
            contact_id=params.contact_id,
            organization_id=params.organization_id,
            kinds=_kinds(params.kind),
            since=params.since,
            until=params.until,
            assignee_id=params.assignee_id,
            status=params.status,
        )
        return _page(
            request,
            activities,
            order=selectors.TIMELINE_ORDER,
            limit=params.limit,
            cursor=params.cursor,
        )


@router.post("/activities", response={201: ActivityOut}, by_alias=True)
def create_activity(request: HttpRequest, payload: ActivityIn, response: HttpResponse):
    activity = services.activity_create(
        actor=request.user, data=activity_input(payload, partial=False)
    )
    response["Location"] = f"/api/v1/activities/{activity.pk}"
    return Status(201, _respond(request, response, activity.pk))


@router.get("/activities/{activity_id}", response={200: ActivityOut, 404: dict}, by_alias=True)
def get_activity(request: HttpRequest, activity_id: str, response: HttpResponse):
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        return Status(404, NOT_FOUND)
    response["ETag"] = f'"{activity.version}"'
    return activity_out(request, activity)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, 404: dict}, by_alias=True)
def update_activity(
    request: HttpRequest, activity_id: str, payload: ActivityPatch, response: HttpResponse
):
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        return Status(404, NOT_FOUND)
    services.activity_update(
        actor=request.user,
        activity=activity,
        data=activity_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    return _respond(request, response, activity.pk)


@router.delete(
    "/activities/{activity_id}", response={204: None, 404: dict}, openapi_extra=IF_MATCH_OPENAPI
)
def delete_activity(request: HttpRequest, activity_id: str):
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity is None:
        return Status(404, NOT_FOUND)
    services.activity_delete(
        actor=request.user, activity=activity, expected_version=expected_version(request)
    )
    return Status(204, None)


@router.get(
    "/activities/{activity_id}/ics",
    response={200: None, 404: dict},
    openapi_extra={
        "responses": {
            200: {"description": "The meeting as iCalendar", "content": {"text/calendar": {}}}
        }
    },
)
def meeting_ics(request: HttpRequest, activity_id: str):
    """A meeting as an iCalendar file (text/calendar), for any calendar program."""
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    if activity is None or activity.kind != Kind.MEETING:
        return Status(404, NOT_FOUND)
    return ics_response(activity)


def ics_response(meeting: Activity) -> HttpResponse:
    prefetch_related_objects([meeting], "participants__contact__emails")
    response = HttpResponse(meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting_file_name(meeting)}"'
    return response


# Tasks ------------------------------------------------------------------------------


@router.get("/tasks", response=ActivityList, by_alias=True, tags=["tasks"])
def list_tasks(request: HttpRequest, params: Query[TaskListParams]):
    """Tasks, soonest due first: ``?assignee=me&status=open`` are "my tasks"."""
    assignee_id = None
    if params.assignee == "me":
        assignee_id = request.user.pk
    elif params.assignee is not None:
        assignee_id = int(params.assignee)
    works_council.require_employee_view(request.user, assignee_id)
    tasks = selectors.task_list(user=request.user, assignee_id=assignee_id, status=params.status)
    return _page(
        request, tasks, order=selectors.TASK_ORDER, limit=params.limit, cursor=params.cursor
    )


# 360° view ----------------------------------------------------------------------------


@router.get(
    "/contacts/{contact_id}/overview",
    response={200: ContactOverview, 404: dict},
    by_alias=True,
    tags=["contacts"],
)
def get_contact_overview(request: HttpRequest, contact_id: str):
    """Everything about a contact: master data, organization and colleagues,
    open tasks, last and next interaction, counts, recent activities, files."""
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    return overview_out(request, contact_overview(user=request.user, contact=contact))


@router.get(
    "/organizations/{organization_id}/overview",
    response={200: OrganizationOverview, 404: dict},
    by_alias=True,
    tags=["organizations"],
)
def get_organization_overview(request: HttpRequest, organization_id: str):
    """Everything about an organization, including its people's history."""
    organization = organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    return overview_out(
        request, organization_overview(user=request.user, organization=organization)
    )
