"""API of purposes and of a person's consents: the administrator defines
purposes; whoever may read a contact reads their consents, whoever may edit
it records a grant, withdrawal or objection, or sends a double opt-in."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field, IPvAnyAddress

from kontor.api.fields import IsoDateTime
from kontor.api.schemas import Schema, StrictSchema
from kontor.consent import selectors, services
from kontor.consent.models import ConsentStatus, LegalBasis
from kontor.contacts.selectors import contact_get

router = Router(tags=["consent"])
NOT_FOUND = {"detail": "Not found."}
BasisName = Literal[tuple(LegalBasis.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(ConsentStatus.values)]  # type: ignore[valid-type]


class PurposeIn(StrictSchema):
    key: str = Field(max_length=64, pattern=r"^[-a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    requires_consent: bool = Field(
        True, description="Only the person's consent is a basis (e.g. advertising email)."
    )


class PurposeOut(Schema):
    key: str
    name: str
    description: str
    requires_consent: bool


class Evidence(Schema):
    text_version: str
    at: datetime | None
    ip_address: str | None
    channel: str
    user_agent: str


class ConsentOut(Schema):
    id: str
    purpose: str
    legal_basis: str
    status: str
    since: datetime
    source: str
    evidence: Evidence
    recorded_at: datetime


class ConsentState(ConsentOut):
    valid: bool = Field(description="Whether processing for the purpose is allowed now.")


class Consents(Schema):
    current: list[ConsentState]
    history: list[ConsentOut]


class ConsentIn(StrictSchema):
    purpose: str = Field(max_length=64)
    status: StatusName
    legal_basis: BasisName = "consent"
    since: IsoDateTime | None = None
    source: str = Field("", max_length=200)
    text_version: str = Field("", max_length=200, description="The text the person agreed to.")
    evidence_at: IsoDateTime | None = None
    ip_address: IPvAnyAddress | None = None
    channel: str = Field("", max_length=100, description="How the consent was given.")


class OptInIn(StrictSchema):
    text_version: str = Field(min_length=1, max_length=200)


class OptInOut(Schema):
    id: str
    purpose: str
    address: str
    sent: bool


@router.get("/purposes", response=list[PurposeOut])
def list_purposes(request: HttpRequest):
    return list(selectors.purpose_list())


@router.post("/purposes", response={201: PurposeOut})
def create_purpose(request: HttpRequest, payload: PurposeIn):
    purpose = services.purpose_create(actor=request.user, **payload.dict())
    return Status(201, purpose)


def _consents(contact) -> dict:
    current = []
    for record in selectors.current(contact):
        data = selectors.record_data(record)
        data["valid"] = selectors.is_valid(record)
        current.append(data)
    return {
        "current": current,
        "history": [selectors.record_data(r) for r in selectors.history(contact)],
    }


@router.get("/contacts/{contact_id}/consents", response={200: Consents, 404: dict})
def list_consents(request: HttpRequest, contact_id: str):
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    return _consents(contact)


@router.post("/contacts/{contact_id}/consents", response={201: ConsentOut, 404: dict})
def record_consent(request: HttpRequest, contact_id: str, payload: ConsentIn):
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    data = payload.dict()
    data["ip_address"] = str(data["ip_address"]) if data["ip_address"] else None
    record = services.consent_record(
        actor=request.user, contact=contact, purpose_key=data.pop("purpose"), data=data
    )
    return Status(201, selectors.record_data(record))


@router.post(
    "/contacts/{contact_id}/consents/{purpose}/opt-in", response={202: OptInOut, 404: dict}
)
def send_opt_in(request: HttpRequest, contact_id: str, purpose: str, payload: OptInIn):
    """Email the person a signed link; the consent counts once they open it."""
    contact = contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    opt_in = services.opt_in_request(
        actor=request.user, contact=contact, purpose_key=purpose, text_version=payload.text_version
    )
    return Status(
        202, {"id": str(opt_in.pk), "purpose": purpose, "address": opt_in.address, "sent": True}
    )
