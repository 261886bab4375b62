"""How a rule reaches a record type's services and its links, through the
record registry only: a type's app keeps its writes in ``<app>.services``
as ``<key>_create(actor, data)`` and ``<key>_update(actor, <key>, data)``
(contacts, organizations, deals, activities, quotes … and, once the
service app registers it, tickets). No domain is imported here by name."""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

from kontor.core.records import RecordType, history_link_types, is_registered, record_type

# Types whose records an activity names by its own columns.
OWN_COLUMNS = {"contact": "contact_id", "organization": "organization_id"}


def service(key: str, verb: str) -> Callable[..., Any] | None:
    """``<key>_<verb>`` of the type's app's services, if the type is
    registered and its app has one."""
    if not is_registered(key):
        return None
    app = apps.get_app_config(record_type(key).model.split(".")[0])
    try:
        return import_string(f"{app.name}.services.{key}_{verb}")
    except ImportError:
        return None


def update(kind: RecordType, actor: Any, record: Any, data: dict[str, Any]) -> Any:
    write = service(kind.key, "update")
    if write is None:
        raise LookupError(f"{kind.key} records cannot be changed by rules")
    return write(actor=actor, data=data, **{kind.key: record})


def create(key: str, actor: Any, data: dict[str, Any]) -> Any:
    write = service(key, "create")
    if write is None:
        raise LookupError(f"{key} records cannot be made by rules")
    return write(actor=actor, data=data)


def may_link_activities(kind: RecordType) -> bool:
    """Can an activity (a task, a note) be about a record of this type?"""
    return kind.key in OWN_COLUMNS or kind.key == "activity" or kind in history_link_types()


def activity_links(kind: RecordType, record: Any) -> dict[str, Any]:
    """The fields of a new activity (or email, deal, ticket) about ``record``."""
    if kind.key in OWN_COLUMNS:
        return {OWN_COLUMNS[kind.key]: str(record.pk)}
    if kind.key == "activity":
        links = {}
        if record.contact_id:
            links["contact_id"] = str(record.contact_id)
        elif record.organization_id:
            links["organization_id"] = str(record.organization_id)
        return links
    if kind in history_link_types():
        return {kind.api_parameter: str(record.pk)}
    return {}


def customer_of(kind: RecordType, record: Any) -> tuple[Any, Any]:
    """The contact and organization a record is about (either may be None)."""
    if kind.key == "contact":
        return record, record.organization
    if kind.key == "organization":
        return None, record
    return getattr(record, "contact", None), getattr(record, "organization", None)


def customer_links(kind: RecordType, record: Any) -> dict[str, Any]:
    """``contact_id`` / ``organization_id`` of a new deal or ticket about ``record``."""
    contact, organization = customer_of(kind, record)
    links = {}
    if contact is not None:
        links["contact_id"] = str(contact.pk)
    if organization is not None:
        links["organization_id"] = str(organization.pk)
    return links
