"""Writes of calendars and SLA policies (administrators only). The API and
the admin pages call these; each validates every field before it touches a
row and writes the audit entry in the same transaction."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from kontor.access.grants import access_for
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, changes_between
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable
from kontor.core.versions import claim_version
from kontor.sla import validation
from kontor.sla.models import BusinessCalendar, SlaPolicy
from kontor.sla.selectors import calendar_get

User = AbstractBaseUser | AnonymousUser

CALENDAR_FIELDS = ("name", "time_zone", "country", "subdivision", "hours", "closed_days")
POLICY_FIELDS = (
    "name", "calendar_id", "targets", "organization_tag", "is_default", "warning_share",
    "reassign_on_breach",
)  # fmt: skip


def require_admin(actor: User) -> None:
    if not access_for(actor).manage_access:
        raise PermissionDenied(_("Only administrators change calendars and SLA policies."))


def _unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise FieldErrors({name: ["is not a field"] for name in unknown})


def _name(errors: validation.Errors, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 120:
        errors.setdefault("name", []).append("is required (at most 120 characters)")
        return ""
    if not is_storable(value):
        errors.setdefault("name", []).append(UNSTORABLE_REASON)
        return ""
    return value.strip()


def _audit(actor: User, action: str, record: Model, before: dict, after: dict) -> None:
    changes = changes_between(before, after)
    if action == AuditAction.UPDATE and not changes:
        return
    audit_record(actor=actor, action=action, record=record, changes=changes)


# Calendars --------------------------------------------------------------------------


def _calendar_snapshot(calendar: BusinessCalendar) -> dict[str, Any]:
    return {field: getattr(calendar, field) for field in CALENDAR_FIELDS}


def _calendar_values(data: Mapping[str, Any], calendar: BusinessCalendar | None) -> dict[str, Any]:
    _unknown(data, CALENDAR_FIELDS)
    errors: validation.Errors = {}
    values: dict[str, Any] = {}
    if calendar is None or "name" in data:
        values["name"] = _name(errors, data.get("name"))
        taken = BusinessCalendar.objects.filter(name__iexact=values["name"])
        if calendar is not None:
            taken = taken.exclude(pk=calendar.pk)
        if values["name"] and taken.exists():
            errors.setdefault("name", []).append("is taken by another calendar")
    if calendar is None or "time_zone" in data:
        values["time_zone"] = validation.clean_time_zone(
            errors, data.get("time_zone", "Europe/Berlin")
        )
    if calendar is None or "country" in data or "subdivision" in data:
        # A new country without a subdivision drops the old one.
        kept_subdivision = calendar.subdivision if calendar and "country" not in data else ""
        country = data.get("country", calendar.country if calendar else "")
        subdivision = data.get("subdivision", kept_subdivision)
        values["country"], values["subdivision"] = validation.clean_country(
            errors, country, subdivision
        )
    if calendar is None or "hours" in data:
        values["hours"] = validation.clean_hours(errors, data.get("hours"))
    if calendar is None or "closed_days" in data:
        values["closed_days"] = validation.clean_closed_days(errors, data.get("closed_days"))
    if errors:
        raise FieldErrors(errors)
    return values


def calendar_create(*, actor: User, data: Mapping[str, Any]) -> BusinessCalendar:
    require_admin(actor)
    values = _calendar_values(data, None)
    with transaction.atomic():
        calendar = BusinessCalendar.objects.create(**values)
        _audit(actor, AuditAction.CREATE, calendar, {}, _calendar_snapshot(calendar))
    return calendar


def calendar_update(
    *,
    actor: User,
    calendar: BusinessCalendar,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> BusinessCalendar:
    require_admin(actor)
    values = _calendar_values(data, calendar)
    before = _calendar_snapshot(calendar)
    with transaction.atomic():
        claim_version(calendar, expected_version)
        for field, value in values.items():
            setattr(calendar, field, value)
        calendar.save(update_fields=[*values, "updated_at"])
        _audit(actor, AuditAction.UPDATE, calendar, before, _calendar_snapshot(calendar))
    return calendar


def calendar_delete(
    *, actor: User, calendar: BusinessCalendar, expected_version: int | None = None
) -> None:
    require_admin(actor)
    if calendar.policies.exists():
        names = ", ".join(p.name for p in calendar.policies.all()[:5])
        raise FieldErrors.single(
            "calendar", f"is used by SLA policies ({names}); change them first"
        )
    with transaction.atomic():
        if expected_version is not None:
            claim_version(calendar, expected_version)
        _audit(actor, AuditAction.DELETE, calendar, _calendar_snapshot(calendar), {})
        calendar.delete()


# Policies ---------------------------------------------------------------------------


def _policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    snapshot = {field: getattr(policy, field) for field in POLICY_FIELDS}
    snapshot["calendar_id"] = str(policy.calendar_id)
    snapshot["warning_share"] = str(policy.warning_share)
    return snapshot


def _share(errors: validation.Errors, value: Any) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        share = Decimal(str(value)).quantize(Decimal("0.01"))
        if not Decimal("0") < share < Decimal("1"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.setdefault("warning_share", []).append(
            "must be a number between 0 and 1 (e.g. 0.8), two decimal places"
        )
        return Decimal("0.80")
    return share


def _policy_values(data: Mapping[str, Any], policy: SlaPolicy | None) -> dict[str, Any]:
    _unknown(data, POLICY_FIELDS)
    errors: validation.Errors = {}
    values: dict[str, Any] = {}
    if policy is None or "name" in data:
        values["name"] = _name(errors, data.get("name"))
        taken = SlaPolicy.objects.filter(name__iexact=values["name"])
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if values["name"] and taken.exists():
            errors.setdefault("name", []).append("is taken by another policy")
    if policy is None or "calendar_id" in data:
        calendar_id = data.get("calendar_id")
        calendar = None
        if calendar_id is not None:
            calendar = calendar_get(calendar_id)
        if calendar is None:
            errors.setdefault("calendar_id", []).append("is not a business calendar")
        values["calendar"] = calendar
    if policy is None or "targets" in data:
        values["targets"] = validation.clean_targets(errors, data.get("targets"))
    if policy is None or "organization_tag" in data:
        tag = validation.clean_tag(errors, data.get("organization_tag"))
        taken = SlaPolicy.objects.filter(organization_tag__iexact=tag)
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if tag and taken.exists():
            errors.setdefault("organization_tag", []).append("has a policy already")
        values["organization_tag"] = tag
    if "is_default" in data:
        if not isinstance(data["is_default"], bool):
            errors.setdefault("is_default", []).append("must be true or false")
        values["is_default"] = data["is_default"] is True
    if "reassign_on_breach" in data:
        if not isinstance(data["reassign_on_breach"], bool):
            errors.setdefault("reassign_on_breach", []).append("must be true or false")
        values["reassign_on_breach"] = data["reassign_on_breach"] is True
    if "warning_share" in data:
        values["warning_share"] = _share(errors, data["warning_share"])
    if errors:
        raise FieldErrors(errors)
    return values


def _take_default(policy: SlaPolicy) -> None:
    """One default at a time: marking a policy default unmarks the other."""
    SlaPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)


def policy_create(*, actor: User, data: Mapping[str, Any]) -> SlaPolicy:
    require_admin(actor)
    values = _policy_values(data, None)
    with transaction.atomic():
        if values.get("is_default"):
            SlaPolicy.objects.filter(is_default=True).update(is_default=False)
        policy = SlaPolicy.objects.create(**values)
        _audit(actor, AuditAction.CREATE, policy, {}, _policy_snapshot(policy))
    return policy


def policy_update(
    *,
    actor: User,
    policy: SlaPolicy,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> SlaPolicy:
    require_admin(actor)
    values = _policy_values(data, policy)
    before = _policy_snapshot(policy)
    with transaction.atomic():
        claim_version(policy, expected_version)
        if values.get("is_default"):
            _take_default(policy)
        for field, value in values.items():
            setattr(policy, field, value)
        policy.save(update_fields=[*values, "updated_at"])
        _audit(actor, AuditAction.UPDATE, policy, before, _policy_snapshot(policy))
    return policy


def policy_delete(*, actor: User, policy: SlaPolicy, expected_version: int | None = None) -> None:
    """Refused while records (tickets) still point to the policy."""
    require_admin(actor)
    before = _policy_snapshot(policy)
    try:
        with transaction.atomic():
            if expected_version is not None:
                claim_version(policy, expected_version)
            _audit(actor, AuditAction.DELETE, policy, before, {})
            policy.delete()
    except ProtectedError as error:
        raise FieldErrors.single(
            "policy",
            f"is used by {len(error.protected_objects)} record(s), e.g. tickets; "
            "give them another policy first",
        ) from error
