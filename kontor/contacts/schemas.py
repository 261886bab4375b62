"""API schemas of organizations and contacts."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from kontor.contacts.models import ContactPointLabel, LifecycleStage

Stage = Literal[tuple(LifecycleStage.values)]  # type: ignore[valid-type]
Label = Literal[tuple(ContactPointLabel.values)]  # type: ignore[valid-type]


class StrictSchema(Schema):
    """Input schemas reject unknown fields, so a typo is an error, not lost data."""

    model_config = ConfigDict(extra="forbid")


class EmailIn(StrictSchema):
    address: str = Field(max_length=320)
    label: Label = "work"


class PhoneIn(StrictSchema):
    number: str = Field(
        max_length=64, description="Any format; national numbers are read in KONTOR_DEFAULT_REGION."
    )
    label: Label = "work"


class EmailOut(Schema):
    address: str
    label: str


class PhoneOut(Schema):
    number: str = Field(description="E.164")
    raw: str = Field(description="As typed")
    label: str

    @staticmethod
    def resolve_number(obj) -> str:
        return obj.e164


class PartyIn(StrictSchema):
    lifecycle_stage: Stage | None = None
    emails: list[EmailIn] | None = None
    phones: list[PhoneIn] | None = None
    email: str | None = Field(None, max_length=320, description="Shorthand for one email address.")
    phone: str | None = Field(None, max_length=64, description="Shorthand for one phone number.")
    tags: list[str] | None = None
    notes: str | None = None
    custom: dict[str, Any] | None = None
    owner_id: int | None = None


class ContactIn(PartyIn):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    organization_id: UUID | None = None


class ContactPatch(ContactIn):
    version: int | None = Field(
        None, description="The version you read; 409 if it is no longer current."
    )


class OrganizationIn(PartyIn):
    name: str | None = Field(None, max_length=255)
    website: str | None = Field(None, max_length=255)


class OrganizationPatch(OrganizationIn):
    version: int | None = Field(
        None, description="The version you read; 409 if it is no longer current."
    )


class PartyOut(Schema):
    id: UUID
    lifecycle_stage: str
    emails: list[EmailOut]
    phones: list[PhoneOut]
    tags: list[str]
    notes: str
    custom: dict[str, Any]
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class OrganizationRef(Schema):
    id: UUID
    name: str


class ContactOut(PartyOut):
    first_name: str
    last_name: str
    display_name: str
    organization_id: UUID | None
    organization: OrganizationRef | None


class OrganizationOut(PartyOut):
    name: str
    display_name: str
    website: str
    domain: str


class ContactList(Schema):
    items: list[ContactOut]
    next: str | None = Field(description="Cursor of the next page, or null on the last page.")


class OrganizationList(Schema):
    items: list[OrganizationOut]
    next: str | None


class LookupOrganization(Schema):
    id: UUID
    name: str
    url: str


class LookupMatch(Schema):
    type: Literal["contact", "organization"]
    id: UUID
    display_name: str
    organization: LookupOrganization | None
    url: str
    matched_by: Literal["phone", "email", "email_domain"]


class LookupResult(Schema):
    matches: list[LookupMatch]


def record_input(payload: PartyIn, *, partial: bool) -> dict[str, Any]:
    """The service's input from an API body: only the fields the client sent
    (for PATCH), with the ``email``/``phone`` shorthands folded into the lists."""
    data = payload.model_dump(exclude_unset=partial, exclude={"version", "email", "phone"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None or k in payload.model_fields_set}
    if payload.email is not None:
        data["emails"] = [{"address": payload.email}, *(data.get("emails") or [])]
    if payload.phone is not None:
        data["phones"] = [{"number": payload.phone}, *(data.get("phones") or [])]
    return data


def shorthand_field_names(payload: PartyIn, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Name errors after the shorthand the client used (``email``, not ``emails[0].address``)."""
    renamed = {}
    for field, reasons in errors.items():
        if payload.email is not None and field == "emails[0].address":
            field = "email"
        elif payload.phone is not None and field == "phones[0].number":
            field = "phone"
        renamed[field] = reasons
    return renamed
