"""The service addresses of the team queues: set up by administrators (API
and admin pages), read by email-to-ticket (``kontor.service.mail_in``) and
by the replies that go out from the queue's address."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.access.models import Team
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, changes_between
from kontor.contacts.input import unknown_fields
from kontor.contacts.normalization import InvalidContactPoint, normalize_email
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.ids import parse_uuid
from kontor.service.models import ServiceAddress
from kontor.sla.models import SlaPolicy

FIELDS = frozenset({"address", "team_id", "sla_policy_id"})


def may_manage(user: Any) -> bool:
    """Only administrators (who manage access) set up service addresses."""
    return bool(getattr(user, "is_authenticated", False)) and access_for(user).manage_access


def _require_admin(actor: Any) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Only administrators manage service addresses."))


def normalize_address(value: str) -> str:
    """The address as stored and compared: its normalized, lower-case form."""
    return normalize_email(value).normalized


# Reading --------------------------------------------------------------------------


def address_list(*, user: Any) -> QuerySet[ServiceAddress]:
    _require_admin(user)
    return ServiceAddress.objects.select_related("team").order_by("address")


def address_get(*, user: Any, address_id: Any) -> ServiceAddress | None:
    _require_admin(user)
    pk = parse_uuid(address_id)
    return ServiceAddress.objects.select_related("team").filter(pk=pk).first() if pk else None


def addresses_among(recipients: Iterable[str]) -> list[ServiceAddress]:
    """The service addresses among ``recipients`` (normalized addresses),
    in the order the recipients name them."""
    wanted = [r.lower() for r in recipients if r]
    if not wanted:
        return []
    found = {a.address: a for a in ServiceAddress.objects.filter(address__in=wanted)}
    return [found[r] for r in dict.fromkeys(wanted) if r in found]


def is_service_address(address: str) -> bool:
    return bool(address) and ServiceAddress.objects.filter(address=address.lower()).exists()


def queue_address(team_id: Any) -> ServiceAddress | None:
    """The address a queue's replies go out from: its oldest one."""
    if team_id is None:
        return None
    return ServiceAddress.objects.filter(team_id=team_id).order_by("created_at", "id").first()


# Writing --------------------------------------------------------------------------


def _values(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    unknown_fields(data, FIELDS)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "address" in data or creating:
        value = data.get("address")
        if not isinstance(value, str) or not value.strip():
            errors["address"] = ["is required"]
        else:
            try:
                values["address"] = normalize_address(value.strip())
            except InvalidContactPoint as exc:
                errors["address"] = [str(exc)]
    if "team_id" in data or creating:
        pk = parse_uuid(data.get("team_id"))
        team = Team.objects.filter(pk=pk).first() if pk else None
        if team is None:
            errors["team_id"] = ["is not an existing team"]
        else:
            values["team"] = team
    if "sla_policy_id" in data:
        given = data["sla_policy_id"]
        pk = parse_uuid(given) if given is not None else None
        policy = SlaPolicy.objects.filter(pk=pk).first() if pk else None
        if given is not None and policy is None:
            errors["sla_policy_id"] = ["must be the id of an SLA policy, or null"]
        else:
            values["sla_policy"] = policy
    if errors:
        raise FieldErrors(errors)
    return values


def _snapshot(address: ServiceAddress) -> dict[str, Any]:
    return {
        "address": address.address,
        "team": str(address.team_id),
        "sla_policy_id": str(address.sla_policy_id) if address.sla_policy_id else None,
    }


def _save(address: ServiceAddress, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            address.save(**kwargs)
    except IntegrityError:
        raise FieldErrors.single("address", "is already a service address") from None


def address_create(*, actor: Any, data: Mapping[str, Any]) -> ServiceAddress:
    _require_admin(actor)
    values = _values(data, creating=True)
    if ServiceAddress.objects.filter(address=values["address"]).exists():
        raise FieldErrors.single("address", "is already a service address")
    address = ServiceAddress(**values)
    with transaction.atomic():
        _save(address, force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=address,
            changes=changes_between({}, _snapshot(address)),
        )
    return address


def address_update(
    *, actor: Any, address: ServiceAddress, data: Mapping[str, Any]
) -> ServiceAddress:
    _require_admin(actor)
    values = _values(data, creating=False)
    if (
        "address" in values
        and ServiceAddress.objects.filter(address=values["address"]).exclude(pk=address.pk).exists()
    ):
        raise FieldErrors.single("address", "is already a service address")
    before = _snapshot(address)
    for field, value in values.items():
        setattr(address, field, value)
    changes = changes_between(before, _snapshot(address))
    if not changes:
        return address
    with transaction.atomic():
        _save(address)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=address, changes=changes)
    return address


def address_delete(*, actor: Any, address: ServiceAddress) -> None:
    _require_admin(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            record=address,
            changes=changes_between(_snapshot(address), {}),
        )
        address.delete()
