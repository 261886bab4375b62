"""The contacts app's tables of the warehouse export (kontor.warehouse):
dim_contact and dim_organization. A contact's name, first email address and
first phone number are personal data: the export leaves them out or
pseudonymizes them (KONTOR_WAREHOUSE_PERSONAL_DATA); free-text notes and
custom fields never go."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.core.records import WarehouseColumn, WarehouseSpec

CHUNK = 2000
Row = dict[str, Any]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def contact_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    contacts = Contact.objects.order_by()
    if since is not None:
        contacts = contacts.filter(updated_at__gte=since)
    first_email = EmailAddress.objects.filter(contact=OuterRef("pk")).order_by("position", "id")
    first_phone = PhoneNumber.objects.filter(contact=OuterRef("pk")).order_by("position", "id")
    values = contacts.annotate(
        first_email=Subquery(first_email.values("address")[:1]),
        first_phone=Subquery(first_phone.values("e164")[:1]),
    ).values_list(
        "id",
        "organization_id",
        "lifecycle_stage",
        "owner_id",
        "display_name",
        "first_name",
        "last_name",
        "first_email",
        "first_phone",
        "created_at",
        "archived_at",
        "updated_at",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "contact_id": str(row[0]),
            "organization_id": _text(row[1]),
            "lifecycle_stage": row[2],
            "owner_id": _text(row[3]),
            "display_name": row[4],
            "first_name": row[5],
            "last_name": row[6],
            "email": row[7],
            "phone": row[8],
            "created_at": row[9],
            "created_date": _day(row[9]),
            "archived_at": row[10],
            "updated_at": row[11],
        }


def organization_rows(since: datetime.datetime | None, today: datetime.date) -> Iterator[Row]:
    organizations = Organization.objects.order_by()
    if since is not None:
        organizations = organizations.filter(updated_at__gte=since)
    values = organizations.values_list(
        "id",
        "name",
        "domain",
        "lifecycle_stage",
        "owner_id",
        "created_at",
        "archived_at",
        "updated_at",
    )
    for row in values.iterator(chunk_size=CHUNK):
        yield {
            "organization_id": str(row[0]),
            "name": row[1],
            "domain": row[2],
            "lifecycle_stage": row[3],
            "owner_id": _text(row[4]),
            "created_at": row[5],
            "created_date": _day(row[5]),
            "archived_at": row[6],
            "updated_at": row[7],
        }


C = WarehouseColumn

CONTACT = WarehouseSpec(
    table="dim_contact",
    rows="kontor.contacts.warehouse.contact_rows",
    key=("contact_id",),
    description="Every contact (person); personal data only as the setting allows.",
    columns=(
        C("contact_id", "string"),
        C("organization_id", "string", "dim_organization"),
        C("lifecycle_stage", "string", "lead, prospect, customer or former"),
        C("owner_id", "string", "dim_user", user="id"),
        C("display_name", "string", "personal data", field="name"),
        C("first_name", "string", "personal data", field="name"),
        C("last_name", "string", "personal data", field="name"),
        C("email", "string", "personal data: the first email address", field="emails"),
        C("phone", "string", "personal data: the first phone number (E.164)", field="phones"),
        C("created_at", "timestamp"),
        C("created_date", "date", "dim_date"),
        C("archived_at", "timestamp"),
        C("updated_at", "timestamp"),
    ),
)

ORGANIZATION = WarehouseSpec(
    table="dim_organization",
    rows="kontor.contacts.warehouse.organization_rows",
    key=("organization_id",),
    description="Every organization.",
    columns=(
        C("organization_id", "string"),
        C("name", "string"),
        C("domain", "string", "the website's domain"),
        C("lifecycle_stage", "string", "lead, prospect, customer or former"),
        C("owner_id", "string", "dim_user", user="id"),
        C("created_at", "timestamp"),
        C("created_date", "date", "dim_date"),
        C("archived_at", "timestamp"),
        C("updated_at", "timestamp"),
    ),
)
