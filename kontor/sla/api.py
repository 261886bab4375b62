"""API of service levels: business calendars and SLA policies. Every
signed-in user reads them (a ticket names its policy); administrators
change them."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from kontor.api.schemas import Schema
from kontor.api.versioning import IF_MATCH_OPENAPI, expected_version
from kontor.sla import selectors, services
from kontor.sla.schemas import (
    CalendarIn,
    CalendarList,
    CalendarOut,
    CalendarPatch,
    PolicyIn,
    PolicyList,
    PolicyOut,
    PolicyPatch,
)

router = Router(tags=["service levels"])
NOT_FOUND = {"detail": "Not found."}


def _etag(response: HttpResponse, record: Any) -> None:
    response["ETag"] = f'"{record.version}"'


def _input(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=partial, exclude={"version"}, mode="json")
    if partial:  # null leaves a field as it is, except the tag (null: for everyone)
        data = {k: v for k, v in data.items() if v is not None or k == "organization_tag"}
    return data


# Calendars ------------------------------------------------------------------------------


@router.get("/business-calendars", response=CalendarList)
def list_calendars(request: HttpRequest):
    return {"items": list(selectors.calendar_list())}


@router.post("/business-calendars", response={201: CalendarOut})
def create_calendar(request: HttpRequest, payload: CalendarIn, response: HttpResponse):
    """Administrators only."""
    calendar = services.calendar_create(actor=request.user, data=_input(payload, partial=False))
    _etag(response, calendar)
    response["Location"] = f"/api/v1/business-calendars/{calendar.pk}"
    return Status(201, calendar)


@router.get("/business-calendars/{calendar_id}", response={200: CalendarOut, 404: dict})
def get_calendar(request: HttpRequest, calendar_id: str, response: HttpResponse):
    calendar = selectors.calendar_get(calendar_id)
    if calendar is None:
        return Status(404, NOT_FOUND)
    _etag(response, calendar)
    return calendar


@router.patch("/business-calendars/{calendar_id}", response={200: CalendarOut, 404: dict})
def update_calendar(
    request: HttpRequest, calendar_id: str, payload: CalendarPatch, response: HttpResponse
):
    """Administrators only."""
    calendar = selectors.calendar_get(calendar_id)
    if calendar is None:
        return Status(404, NOT_FOUND)
    services.calendar_update(
        actor=request.user,
        calendar=calendar,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, calendar)
    return calendar


@router.delete(
    "/business-calendars/{calendar_id}",
    response={204: None, 404: dict},
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_calendar(request: HttpRequest, calendar_id: str):
    """Administrators only; refused while a policy uses the calendar."""
    calendar = selectors.calendar_get(calendar_id)
    if calendar is None:
        return Status(404, NOT_FOUND)
    services.calendar_delete(
        actor=request.user, calendar=calendar, expected_version=expected_version(request)
    )
    return Status(204, None)


# Policies -------------------------------------------------------------------------------


@router.get("/sla-policies", response=PolicyList)
def list_policies(request: HttpRequest):
    return {"items": list(selectors.policy_list())}


@router.post("/sla-policies", response={201: PolicyOut})
def create_policy(request: HttpRequest, payload: PolicyIn, response: HttpResponse):
    """Administrators only."""
    policy = services.policy_create(actor=request.user, data=_input(payload, partial=False))
    _etag(response, policy)
    response["Location"] = f"/api/v1/sla-policies/{policy.pk}"
    return Status(201, policy)


@router.get("/sla-policies/{policy_id}", response={200: PolicyOut, 404: dict})
def get_policy(request: HttpRequest, policy_id: str, response: HttpResponse):
    policy = selectors.policy_get(policy_id)
    if policy is None:
        return Status(404, NOT_FOUND)
    _etag(response, policy)
    return policy


@router.patch("/sla-policies/{policy_id}", response={200: PolicyOut, 404: dict})
def update_policy(
    request: HttpRequest, policy_id: str, payload: PolicyPatch, response: HttpResponse
):
    """Administrators only."""
    policy = selectors.policy_get(policy_id)
    if policy is None:
        return Status(404, NOT_FOUND)
    services.policy_update(
        actor=request.user,
        policy=policy,
        data=_input(payload, partial=True),
        expected_version=expected_version(request, payload.version),
    )
    _etag(response, policy)
    return policy


@router.delete(
    "/sla-policies/{policy_id}", response={204: None, 404: dict}, openapi_extra=IF_MATCH_OPENAPI
)
def delete_policy(request: HttpRequest, policy_id: str):
    """Administrators only; refused while tickets use the policy."""
    policy = selectors.policy_get(policy_id)
    if policy is None:
        return Status(404, NOT_FOUND)
    services.policy_delete(
        actor=request.user, policy=policy, expected_version=expected_version(request)
    )
    return Status(204, None)
