"""API of the service addresses (administrators only): mail to one opens a
ticket in its team's queue, and that queue's replies go out from it."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from kontor.api.schemas import Schema, StrictSchema
from kontor.service import addresses
from kontor.service.models import ServiceAddress

router = Router(tags=["service addresses"])
NOT_FOUND = {"detail": "Not found."}


class ServiceAddressIn(StrictSchema):
    address: str = Field(max_length=320, description="Stored lower case.")
    team_id: UUID = Field(description="The team whose queue its mail goes to.")
    sla_policy_id: UUID | None = Field(None, description="The SLA policy of its tickets.")


class ServiceAddressPatch(StrictSchema):
    address: str | None = Field(None, max_length=320)
    team_id: UUID | None = None
    sla_policy_id: UUID | None = None


class ServiceAddressOut(Schema):
    id: UUID
    address: str
    team_id: UUID
    sla_policy_id: UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ServiceAddressList(Schema):
    items: list[ServiceAddressOut]


def _out(address: ServiceAddress) -> dict:
    return {
        "id": address.pk,
        "address": address.address,
        "team_id": address.team_id,
        "sla_policy_id": address.sla_policy_id,
        "created_at": address.created_at,
        "updated_at": address.updated_at,
    }


@router.get("/service-addresses", response=ServiceAddressList)
def list_addresses(request: HttpRequest):
    """Every service address, by address."""
    return {"items": [_out(a) for a in addresses.address_list(user=request.user)]}


@router.post("/service-addresses", response={201: ServiceAddressOut})
def create_address(request: HttpRequest, payload: ServiceAddressIn):
    address = addresses.address_create(
        actor=request.user, data=payload.model_dump(mode="json", exclude_unset=True)
    )
    return Status(201, _out(address))


@router.get("/service-addresses/{address_id}", response={200: ServiceAddressOut, 404: dict})
def get_address(request: HttpRequest, address_id: str):
    address = addresses.address_get(user=request.user, address_id=address_id)
    if address is None:
        return Status(404, NOT_FOUND)
    return _out(address)


@router.patch("/service-addresses/{address_id}", response={200: ServiceAddressOut, 404: dict})
def update_address(request: HttpRequest, address_id: str, payload: ServiceAddressPatch):
    """Change the fields given (``sla_policy_id``: null takes the policy away)."""
    address = addresses.address_get(user=request.user, address_id=address_id)
    if address is None:
        return Status(404, NOT_FOUND)
    data = payload.model_dump(mode="json", exclude_unset=True)
    address = addresses.address_update(actor=request.user, address=address, data=data)
    return _out(address)


@router.delete("/service-addresses/{address_id}", response={204: None, 404: dict})
def delete_address(request: HttpRequest, address_id: str):
    address = addresses.address_get(user=request.user, address_id=address_id)
    if address is None:
        return Status(404, NOT_FOUND)
    addresses.address_delete(actor=request.user, address=address)
    return Status(204, None)
