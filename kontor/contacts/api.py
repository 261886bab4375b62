"""API of organizations, contacts and the lookup by phone number or email."""

from collections.abc import Callable
from typing import Literal, TypeVar
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from pydantic import Field

from kontor.api.fields import Cursor
from kontor.api.schemas import Schema
from kontor.api.versioning import IF_MATCH_OPENAPI, expected_version
from kontor.contacts import selectors, services
from kontor.contacts.models import Contact, Organization
from kontor.contacts.normalization import InvalidContactPoint
from kontor.contacts.schemas import (
    ContactCreated,
    ContactIn,
    ContactList,
    ContactOut,
    ContactPatch,
    LookupResult,
    OrganizationCreated,
    OrganizationIn,
    OrganizationList,
    OrganizationOut,
    OrganizationPatch,
    Stage,
    matches_out,
    record_input,
    rename_fields,
)
from kontor.contacts.selectors import MAX_ID
from kontor.contacts.visibility import note_visible_organizations
from kontor.core.db_router import replica_reads
from kontor.core.exceptions import FieldErrors
from kontor.core.records import merged_into, possible_duplicates
from kontor.exports.http import export_openapi, export_response
from kontor.exports.schemas import ExportParams
from kontor.exports.services import export_records

router = Router(tags=["contacts"])
T = TypeVar("T")

NOT_FOUND = {"detail": "Not found."}


def _merged_away(key: str, record: Contact | Organization | None) -> Status | None:
    """404 for a record the user may read that was merged into another, with
    the survivor's id (a record they may not read is plainly not found)."""
    if record is None or record.archived_at is None:
        return None
    survivor = merged_into(key, record.pk)
    if survivor is None:
        return None
    return Status(404, {**NOT_FOUND, "merged_into": str(survivor)})


class ListFilters(Schema):
    q: str = Field(
        "", max_length=200, description="Names, email addresses, phone digits, organization names."
    )
    lifecycle_stage: Stage | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str | None = Field(None, max_length=64)
    quality_below: int | None = Field(
        None, ge=0, le=100, description="Only records whose quality score is below this (0–100)."
    )


# The orders a list may be asked for, each a sort field and the id as the
# tie-breaker (both indexed, so every page is an index range).
ORDERS = {
    "name": ("display_name", "id"),
    "-name": ("-display_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
Order = Literal["name", "-name", "created", "-created", "updated", "-updated"]
ORDER_DESCRIPTION = (
    "The order of the list: by name, by the time of creation or of the last change; "
    "a leading minus reverses it. Without it: newest first, and with a search word (q) "
    "the most relevant first."
)


class ListParams(ListFilters):
    limit: int = Field(50, ge=1, le=200)
    cursor: Cursor | None = None
    order: Order | None = Field(None, description=ORDER_DESCRIPTION)


class ContactListParams(ListParams):
    organization_id: UUID | None = None


class ContactExportParams(ListFilters, ExportParams):
    organization_id: UUID | None = None


class OrganizationExportParams(ListFilters, ExportParams):
    pass


# The order of the API's lists, which their exports keep.
NEWEST_FIRST = ("-created_at", "-id")
EXPORT_RESPONSES = {200: None}
EXPORT_OPENAPI = export_openapi("csv", "xlsx", "vcf")


def _organization_order(order: str) -> tuple[str, str]:
    field, tie_breaker = ORDERS[order]
    return field.replace("display_name", "name"), tie_breaker


def _with_etag(response: HttpResponse, record: Contact | Organization) -> None:
    response["ETag"] = f'"{record.version}"'


def _save(aliases: dict[str, str], write: Callable[[], T]) -> T:
    try:
        return write()
    except FieldErrors as exc:
        raise FieldErrors(rename_fields(exc.errors, aliases)) from None


# Contacts ---------------------------------------------------------------------


@router.get("/contacts", response=ContactList, tags=["contacts"])
def list_contacts(request: HttpRequest, params: Query[ContactListParams]):
    with replica_reads(request.user):
        contacts = selectors.contact_search(
            user=request.user,
            q=params.q,
            lifecycle_stage=params.lifecycle_stage,
            organization_id=params.organization_id,
            owner_id=params.owner_id,
            tag=params.tag,
            quality_below=params.quality_below,
        )
        page = contacts.page(
            order=ORDERS[params.order] if params.order else NEWEST_FIRST,
            limit=params.limit,
            cursor=params.cursor,
            relevance=params.order is None,
        )
        note_visible_organizations(request.user, page.items)
        return page


@router.get(
    "/contacts/export",
    response=EXPORT_RESPONSES,
    tags=["contacts"],
    openapi_extra=EXPORT_OPENAPI,
)
def export_contacts(request: HttpRequest, params: Query[ContactExportParams]):
    """The contacts the list shows with the same filters, as a CSV, XLSX or
    vCard file; columns your roles may not read are left out. Needs the
    export right for contacts."""
    filters = params.model_dump(exclude={"format", "delimiter"})
    export = export_records(
        actor=request.user,
        key="contact",
        records=selectors.contact_search(user=request.user, **filters).queryset,
        export_format=params.format,
        filters=filters,
        order=NEWEST_FIRST,
        delimiter=params.delimiter,
    )
    return export_response(export)


@router.post("/contacts", response={201: ContactCreated}, tags=["contacts"])
def create_contact(request: HttpRequest, payload: ContactIn, response: HttpResponse):
    data, aliases = record_input(payload, partial=False)
    contact = _save(aliases, lambda: services.contact_create(actor=request.user, data=data))
    contact = selectors.contact_get(user=request.user, contact_id=contact.pk)
    _with_etag(response, contact)
    response["Location"] = f"/api/v1/contacts/{contact.pk}"
    contact.possible_duplicates = possible_duplicates(request.user, "contact", contact)
    return Status(201, contact)


@router.get("/contacts/{contact_id}", response={200: ContactOut, 404: dict}, tags=["contacts"])
def get_contact(request: HttpRequest, contact_id: str, response: HttpResponse):
    contact = selectors.contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    if merged := _merged_away("contact", contact):
        return merged
    _with_etag(response, contact)
    return contact


@router.patch("/contacts/{contact_id}", response={200: ContactOut, 404: dict}, tags=["contacts"])
def update_contact(
    request: HttpRequest, contact_id: str, payload: ContactPatch, response: HttpResponse
):
    contact = selectors.contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    expected = expected_version(request, payload.version)
    data, aliases = record_input(payload, partial=True, current=contact)
    _save(
        aliases,
        lambda: services.contact_update(
            actor=request.user, contact=contact, data=data, expected_version=expected
        ),
    )
    contact = selectors.contact_get(user=request.user, contact_id=contact.pk)
    _with_etag(response, contact)
    return contact


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, 404: dict},
    tags=["contacts"],
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_contact(request: HttpRequest, contact_id: str):
    contact = selectors.contact_get(user=request.user, contact_id=contact_id)
    if contact is None:
        return Status(404, NOT_FOUND)
    services.contact_delete(
        actor=request.user, contact=contact, expected_version=expected_version(request)
    )
    return Status(204, None)


# Organizations ----------------------------------------------------------------


@router.get("/organizations", response=OrganizationList, tags=["organizations"])
def list_organizations(request: HttpRequest, params: Query[ListParams]):
    with replica_reads(request.user):
        organizations = selectors.organization_search(
            user=request.user,
            q=params.q,
            lifecycle_stage=params.lifecycle_stage,
            owner_id=params.owner_id,
            tag=params.tag,
            quality_below=params.quality_below,
        )
        order = _organization_order(params.order) if params.order else NEWEST_FIRST
        return organizations.page(order=order, limit=params.limit, cursor=params.cursor)


@router.get(
    "/organizations/export",
    response=EXPORT_RESPONSES,
    tags=["organizations"],
    openapi_extra=EXPORT_OPENAPI,
)
def export_organizations(request: HttpRequest, params: Query[OrganizationExportParams]):
    """The organizations the list shows with the same filters, as a CSV,
    XLSX or vCard (KIND:org) file; columns your roles may not read are left
    out. Needs the export right for organizations."""
    filters = params.model_dump(exclude={"format", "delimiter"})
    export = export_records(
        actor=request.user,
        key="organization",
        records=selectors.organization_search(user=request.user, **filters).queryset,
        export_format=params.format,
        filters=filters,
        order=NEWEST_FIRST,
        delimiter=params.delimiter,
    )
    return export_response(export)


@router.post("/organizations", response={201: OrganizationCreated}, tags=["organizations"])
def create_organization(request: HttpRequest, payload: OrganizationIn, response: HttpResponse):
    data, aliases = record_input(payload, partial=False)
    organization = _save(
        aliases, lambda: services.organization_create(actor=request.user, data=data)
    )
    organization = selectors.organization_get(user=request.user, organization_id=organization.pk)
    _with_etag(response, organization)
    response["Location"] = f"/api/v1/organizations/{organization.pk}"
    organization.possible_duplicates = possible_duplicates(
        request.user, "organization", organization
    )
    return Status(201, organization)


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, 404: dict},
    tags=["organizations"],
)
def get_organization(request: HttpRequest, organization_id: str, response: HttpResponse):
    organization = selectors.organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    if merged := _merged_away("organization", organization):
        return merged
    _with_etag(response, organization)
    return organization


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, 404: dict},
    tags=["organizations"],
)
def update_organization(
    request: HttpRequest, organization_id: str, payload: OrganizationPatch, response: HttpResponse
):
    organization = selectors.organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    expected = expected_version(request, payload.version)
    data, aliases = record_input(payload, partial=True, current=organization)
    _save(
        aliases,
        lambda: services.organization_update(
            actor=request.user, organization=organization, data=data, expected_version=expected
        ),
    )
    organization = selectors.organization_get(user=request.user, organization_id=organization.pk)
    _with_etag(response, organization)
    return organization


@router.delete(
    "/organizations/{organization_id}",
    response={204: None, 404: dict},
    tags=["organizations"],
    openapi_extra=IF_MATCH_OPENAPI,
)
def delete_organization(request: HttpRequest, organization_id: str):
    organization = selectors.organization_get(user=request.user, organization_id=organization_id)
    if organization is None:
        return Status(404, NOT_FOUND)
    services.organization_delete(
        actor=request.user,
        organization=organization,
        expected_version=expected_version(request),
    )
    return Status(204, None)


# Lookup -----------------------------------------------------------------------


class LookupParams(Schema):
    phone: str | None = Field(None, max_length=64, description="A phone number in any format.")
    email: str | None = Field(None, max_length=320)


@router.get("/lookup", response=LookupResult, tags=["lookup"])
def lookup(request: HttpRequest, params: Query[LookupParams]):
    """Who is this? Contacts and organizations with this phone number or email
    address, best match first. ``restricted`` is true when a person with it
    is one you would see but whose processing is restricted (GDPR Art. 18):
    they are not among the matches, and nothing else about them is told."""
    if params.phone is None and params.email is None:
        raise FieldErrors.single(
            "phone", "give a phone number (phone=) or an email address (email=)"
        )
    restricted: list = []
    try:
        matches = selectors.lookup(
            user=request.user, phone=params.phone, email=params.email, restricted=restricted
        )
    except InvalidContactPoint as exc:
        raise FieldErrors.single("email", str(exc)) from None
    return {"matches": matches_out(request, matches), "restricted": bool(restricted)}
