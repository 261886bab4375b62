"""API schemas of organizations and contacts."""

from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from django.http import HttpRequest
from pydantic import Field

from kontor.access.policy import FieldAccess
from kontor.access.schemas import HIDDEN_FIELD_NOTE, FieldFilteredOut, request_user
from kontor.api.schemas import Schema, StrictSchema
from kontor.contacts.display import contact_display_name
from kontor.contacts.models import (
    Contact,
    ContactPointLabel,
    EmailAddress,
    LifecycleStage,
    Organization,
    Party,
    PhoneNumber,
)
from kontor.contacts.selectors import MAX_ID, Match
from kontor.contacts.visibility import note_visible_organizations, shown_organization

Stage = Literal[tuple(LifecycleStage.values)]  # type: ignore[valid-type]
Label = Literal[tuple(ContactPointLabel.values)]  # type: ignore[valid-type]
# A version beyond what its database column holds can match nothing.
MAX_VERSION = 2**31 - 1


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
    bouncing: bool = Field(
        False, description="Mail to it failed permanently (a bounce with status 5.x.x)."
    )
    bounce_reason: str = Field("", description="The status and diagnostic of the last bounce.")
    bounced_at: datetime | None = Field(None, description="When the last bounce arrived.")
    temporary_failures: int = Field(0, description="Temporary delivery failures (4.x.x) so far.")
    do_not_email: bool = Field(False, description="Its owner complained of abuse (RFC 5965).")
    do_not_email_reason: str = ""


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
    email: str | None = Field(
        None,
        max_length=320,
        description=(
            "Shorthand for one email address. In a PATCH without `emails` it is added "
            "to the record's addresses."
        ),
    )
    phone: str | None = Field(
        None,
        max_length=64,
        description=(
            "Shorthand for one phone number. In a PATCH without `phones` it is added "
            "to the record's numbers."
        ),
    )
    tags: list[str] | None = None
    notes: str | None = None
    custom: dict[str, Any] | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)


class ContactIn(PartyIn):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    organization_id: UUID | None = None


class ContactPatch(ContactIn):
    version: int | None = Field(
        None,
        ge=0,
        le=MAX_VERSION,
        description="The version you read; 409 if it is no longer current.",
    )


class OrganizationIn(PartyIn):
    name: str | None = Field(None, max_length=255)
    website: str | None = Field(None, max_length=255)


class OrganizationPatch(OrganizationIn):
    version: int | None = Field(
        None,
        ge=0,
        le=MAX_VERSION,
        description="The version you read; 409 if it is no longer current.",
    )


class PartyOut(FieldFilteredOut):
    """Fields the user's roles may not read are left out (kontor.access)."""

    id: UUID
    lifecycle_stage: str
    emails: list[EmailOut] = Field(default_factory=list, description=HIDDEN_FIELD_NOTE)
    phones: list[PhoneOut] = Field(default_factory=list, description=HIDDEN_FIELD_NOTE)
    tags: list[str]
    notes: str = Field("", description=HIDDEN_FIELD_NOTE)
    custom: dict[str, Any] = Field(
        description="The custom fields your roles may read (financial and special ones "
        "only with the right to read them)."
    )
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    archived_at: datetime | None = Field(
        None, description="Archived records are left out of lists and search."
    )

    @staticmethod
    def resolve_emails(obj: Party) -> list[EmailAddress]:
        return obj.email_list

    @staticmethod
    def resolve_phones(obj: Party) -> list[PhoneNumber]:
        return obj.phone_list

    @staticmethod
    def resolve_tags(obj: Party) -> list[str]:
        return [tag.name for tag in obj.tag_list]


class OrganizationRef(Schema):
    id: UUID
    name: str


class ContactOut(PartyOut):
    access_object_type: ClassVar[str] = "contact"

    first_name: str
    last_name: str
    display_name: str
    organization_id: UUID | None = Field(
        description="Null also when the organization is not visible to you."
    )
    organization: OrganizationRef | None = Field(
        description="Null also when the organization is not visible to you."
    )

    @staticmethod
    def resolve_organization_id(obj: Contact, context: Any) -> UUID | None:
        organization = shown_organization(request_user(context), obj)
        return organization.pk if organization else None

    @staticmethod
    def resolve_organization(obj: Contact, context: Any) -> Organization | None:
        return shown_organization(request_user(context), obj)

    def shown_to(self, fields: FieldAccess, data: dict[str, Any]) -> dict[str, Any]:
        if "display_name" in data:
            data["display_name"] = contact_display_name(
                fields,
                data["display_name"],
                named=bool(data.get("first_name") or data.get("last_name")),
            )
        return data


class OrganizationOut(PartyOut):
    access_object_type: ClassVar[str] = "organization"

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
    organization: LookupOrganization | None = Field(
        description="A contact's organization; null also when it is not visible to you."
    )
    url: str
    matched_by: Literal["phone", "phone_main_number", "email", "email_domain"]


class LookupResult(Schema):
    matches: list[LookupMatch]
    restricted: bool = Field(
        False,
        description=(
            "A person with this number or address is one you would see, but their processing "
            "is restricted (GDPR Art. 18): shown as restricted, nothing else."
        ),
    )


def match_out(request: HttpRequest, match: Match, *, user: Any = None) -> dict:
    """A lookup's match as a LookupMatch, with absolute URLs. ``user``, the
    one the match was looked up for (default: the request's), sees a
    contact's organization only if they may read it; ``matches_out`` decides
    that for many matches in one query."""
    organization = shown_organization(user or request.user, match.record)
    return {
        "type": match.type,
        "id": match.record.pk,
        "display_name": match.record.display_name,
        "organization": (
            {
                "id": organization.pk,
                "name": organization.name,
                "url": request.build_absolute_uri(organization.get_absolute_url()),
            }
            if organization
            else None
        ),
        "url": request.build_absolute_uri(match.record.get_absolute_url()),
        "matched_by": match.reason,
    }


def matches_out(request: HttpRequest, matches: list[Match], *, user: Any = None) -> list[dict]:
    note_visible_organizations(user or request.user, [match.record for match in matches])
    return [match_out(request, match, user=user) for match in matches]


# The shorthands: (body field, list field, key of an item in the list).
_SHORTHANDS = (("email", "emails", "address"), ("phone", "phones", "number"))


def record_input(
    payload: PartyIn, *, partial: bool, current: Contact | Organization | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's input from an API body: only the fields the client sent
    (for PATCH), with the ``email``/``phone`` shorthands folded into the lists.

    A shorthand comes first in a new list; in a PATCH of ``current`` that
    does not send the list, it is added after the record's own items. Also
    returns the names under which the client knows the shorthand's errors
    (``{"emails[0].address": "email"}``)."""
    data = payload.model_dump(exclude_unset=partial, exclude={"version", "email", "phone"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None or k in payload.model_fields_set}
    aliases: dict[str, str] = {}
    for shorthand, field, key in _SHORTHANDS:
        value = getattr(payload, shorthand)
        if value is None:
            continue
        given = data.get(field)
        if given is None and current is not None:
            kept = [
                {key: getattr(point, "raw" if key == "number" else key), "label": point.label}
                for point in getattr(current, field).all()
            ]
            data[field] = [*kept, {key: value}]
            aliases[f"{field}[{len(kept)}].{key}"] = shorthand
        else:
            data[field] = [{key: value}, *(given or [])]
            aliases[f"{field}[0].{key}"] = shorthand
    return data, aliases


def rename_fields(errors: dict[str, list[str]], aliases: dict[str, str]) -> dict[str, list[str]]:
    """Name errors as the client sent the fields (``email``, not ``emails[0].address``)."""
    return {aliases.get(field, field): reasons for field, reasons in errors.items()}


class DuplicateReason(Schema):
    field: str
    a: str
    b: str
    similarity: float


class PossibleDuplicate(Schema):
    id: UUID
    score: float = Field(description="0..1: how alike the two records are.")
    reasons: list[DuplicateReason]


class ContactCreated(ContactOut):
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="Contacts you may read that look like this one (same email address, "
        "number or a similar name), best first.",
    )


class OrganizationCreated(OrganizationOut):
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="Organizations you may read that look like this one, best first.",
    )
