"""Writes of users, teams, roles, field categories and shares. Only users
whose roles manage access (administrators) may change users, teams and
categories; whoever may edit a record may share it. Every change is in the
audit trail."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from kontor.access.grants import access_for, forget_access
from kontor.access.models import FieldCategory, Role, Share, Team
from kontor.access.policy import CUSTOM_PREFIX, can, require
from kontor.access.rights import Action
from kontor.access.sensitive import decrypt_values, encrypt_values
from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record, changes_between
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import (
    CATEGORIES,
    SENSITIVE_CATEGORIES,
    is_registered,
    record_type,
    record_type_for,
)
from kontor.core.storable_text import UNSTORABLE_REASON, is_storable

User = AbstractBaseUser | AnonymousUser

USER_FIELDS = frozenset(
    {"username", "email", "password", "first_name", "last_name", "teams", "roles", "is_active"}
)
MIGRATION_BATCH = 500


def require_manage_access(actor: User) -> None:
    if not access_for(actor).manage_access:
        raise PermissionDenied(_("Only administrators manage users, teams, roles and fields."))


def _ids(errors: dict[str, list[str]], field: str, value: Any, model: type[Model]) -> list[Model]:
    """Existing records of ``model`` by a list of ids (UUIDs as text)."""
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        errors[field] = ["must be a list of ids"]
        return []
    wanted = [str(v) for v in value]
    found = {}
    valid = []
    for item in wanted:
        try:
            model._meta.pk.to_python(item)
            valid.append(item)
        except ValidationError:
            errors.setdefault(field, []).append(f"{item} is not an id")
    if valid:
        found = {str(r.pk): r for r in model._default_manager.filter(pk__in=valid)}
    missing = [item for item in valid if item not in found]
    if missing:
        errors.setdefault(field, []).append(f"unknown: {', '.join(missing)}")
    return [found[item] for item in valid if item in found]


def _user_snapshot(user: Any) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "teams": sorted(str(t) for t in user.kontor_teams.all()),
        "roles": sorted(str(r) for r in user.kontor_roles.all()),
    }


def _clean_user_fields(
    data: Mapping[str, Any], errors: dict[str, list[str]], *, existing: Any = None
) -> dict[str, Any]:
    model = get_user_model()
    values: dict[str, Any] = {}
    if "username" in data or existing is None:
        username = data.get("username")
        if not isinstance(username, str) or not username.strip():
            errors["username"] = ["is required"]
        else:
            username = username.strip()
            try:
                model.username_validator(username)
            except ValidationError as exc:
                errors["username"] = [str(m) for m in exc.messages]
            else:
                if len(username) > 150:
                    errors["username"] = ["must be at most 150 characters"]
                elif (
                    model.objects.filter(username__iexact=username)
                    .exclude(pk=getattr(existing, "pk", None))
                    .exists()
                ):
                    errors["username"] = ["is taken"]
                else:
                    values["username"] = username
    for field, limit in (("email", 254), ("first_name", 150), ("last_name", 150)):
        if field not in data:
            continue
        value = data[field] if data[field] is not None else ""
        if not isinstance(value, str) or len(value) > limit:
            errors[field] = [f"must be text of at most {limit} characters"]
            continue
        if not is_storable(value):
            errors[field] = [UNSTORABLE_REASON]
            continue
        value = value.strip()
        if field == "email" and value:
            try:
                validate_email(value)
            except ValidationError:
                errors[field] = ["is not an email address"]
                continue
        values[field] = value
    if "is_active" in data:
        if not isinstance(data["is_active"], bool):
            errors["is_active"] = ["must be true or false"]
        else:
            values["is_active"] = data["is_active"]
    return values


def user_create(*, actor: User, data: Mapping[str, Any]) -> Any:
    """A new colleague. The password must pass Django's password validators."""
    require_manage_access(actor)
    unknown = sorted(set(data) - USER_FIELDS)
    if unknown:
        raise FieldErrors({field: ["is not a field of a user"] for field in unknown})
    errors: dict[str, list[str]] = {}
    values = _clean_user_fields(data, errors)
    teams = _ids(errors, "teams", data.get("teams"), Team)
    roles = _ids(errors, "roles", data.get("roles"), Role)
    password = data.get("password")
    user = get_user_model()(**values)
    if not isinstance(password, str) or not password:
        errors["password"] = ["is required"]
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        user.kontor_teams.set(teams)
        user.kontor_roles.set(roles)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=user,
            changes=changes_between({}, _user_snapshot(user)),
        )
    return user


def user_update(*, actor: User, user: Any, data: Mapping[str, Any]) -> Any:
    """Change a colleague's name, address, teams, roles or whether they may log in."""
    require_manage_access(actor)
    unknown = sorted(set(data) - (USER_FIELDS - {"password"}))
    if unknown:
        raise FieldErrors(
            {field: ["cannot be changed here" if field == "password" else
                     "is not a field of a user"] for field in unknown}
        )  # fmt: skip
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only a superuser changes a superuser."))
    errors: dict[str, list[str]] = {}
    values = _clean_user_fields(data, errors, existing=user)
    teams = _ids(errors, "teams", data["teams"], Team) if "teams" in data else None
    roles = _ids(errors, "roles", data["roles"], Role) if "roles" in data else None
    if values.get("is_active") is False and user.pk == actor.pk:
        errors["is_active"] = ["you cannot deactivate yourself"]
    if errors:
        raise FieldErrors(errors)
    before = _user_snapshot(user)
    with transaction.atomic():
        for field, value in values.items():
            setattr(user, field, value)
        if values:
            user.save(update_fields=list(values))
        if teams is not None:
            user.kontor_teams.set(teams)
        if roles is not None:
            user.kontor_roles.set(roles)
        forget_access(user)
        changes = changes_between(before, _user_snapshot(user))
        if changes:
            audit_record(actor=actor, action=AuditAction.UPDATE, record=user, changes=changes)
    return user


def team_create(*, actor: User, name: Any, member_ids: Any = None) -> Team:
    require_manage_access(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors["name"] = ["give a name of at most 100 characters"]
    elif not is_storable(name):
        errors["name"] = [UNSTORABLE_REASON]
    elif Team.objects.filter(name__iexact=name.strip()).exists():
        errors["name"] = ["is taken"]
    members = []
    if member_ids is not None:
        if isinstance(member_ids, str | bytes | Mapping) or not isinstance(member_ids, Iterable):
            errors["member_ids"] = ["must be a list of user ids"]
        else:
            wanted = list(member_ids)
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in wanted):
                errors["member_ids"] = ["must be a list of user ids"]
            else:
                # Ids beyond the database's integer range exist nowhere (and
                # would make the query itself fail).
                possible = [i for i in wanted if 0 < i <= 2**63 - 1]
                members = list(get_user_model().objects.filter(pk__in=possible))
                missing = set(wanted) - {m.pk for m in members}
                if missing:
                    errors["member_ids"] = [
                        f"unknown: {', '.join(str(i) for i in sorted(missing))}"
                    ]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        team = Team.objects.create(name=name.strip())
        team.members.set(members)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            record=team,
            changes={"name": [None, team.name], "members": [None, sorted(m.pk for m in members)]},
        )
    return team


# Field categories -------------------------------------------------------------------


def field_category_set(*, actor: User, object_type_key: Any, field: Any, category: Any) -> None:
    """Give a field another sensitivity category. A custom field's stored
    values move into or out of the encrypted column with it."""
    require_manage_access(actor)
    if not isinstance(object_type_key, str) or not is_registered(object_type_key):
        raise FieldErrors.single("object_type", "is not an object type")
    if category not in CATEGORIES:
        raise FieldErrors.single("category", f"must be one of: {', '.join(CATEGORIES)}")
    kind = record_type(object_type_key)
    if isinstance(field, str) and field.startswith(CUSTOM_PREFIX) and kind.custom_fields:
        _custom_field_category_set(actor, kind.key, field.removeprefix(CUSTOM_PREFIX), category)
        return
    spec = kind.field(field) if isinstance(field, str) else None
    if spec is None:
        raise FieldErrors.single("field", "is not a field of this object type")
    if category not in spec.categories:
        raise FieldErrors.single(
            "category",
            f"this field can be {', '.join(spec.categories)} (built-in fields that are "
            "searched or matched cannot be encrypted; keep financial and special data "
            "in custom fields)",
        )
    current = FieldCategory.objects.filter(object_type=kind.key, field=spec.key).first()
    old = current.category if current else spec.category
    with transaction.atomic():
        if category == spec.category:
            FieldCategory.objects.filter(object_type=kind.key, field=spec.key).delete()
        else:
            FieldCategory.objects.update_or_create(
                object_type=kind.key, field=spec.key, defaults={"category": category}
            )
        _audit_category(actor, kind.key, spec.key, old, category)


def _audit_category(actor: User, kind: str, field: str, old: str, new: str) -> None:
    if old != new:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="access.fieldcategory",
            object_id=f"{kind}.{field}",
            object_repr=f"{kind}.{field}",
            changes={"category": [old, new]},
        )


def _custom_field_category_set(actor: User, kind: str, key: str, category: str) -> None:
    from kontor.customfields.selectors import definition_get

    definition = definition_get(kind, key)
    if definition is None:
        raise FieldErrors.single("field", "is not a field of this object type")
    old = definition.category
    with transaction.atomic():
        definition.category = category
        definition.save(update_fields=["category", "updated_at"])
        was, now = old in SENSITIVE_CATEGORIES, category in SENSITIVE_CATEGORIES
        if was != now:
            move_custom_values(kind, key, encrypt=now)
        _audit_category(actor, kind, f"{CUSTOM_PREFIX}{key}", old, category)


def move_custom_values(kind: str, key: str, *, encrypt: bool) -> int:
    """Move one custom field's values of every record into the encrypted
    column (``encrypt``) or out of it, in batches. Returns how many moved."""
    model = record_type(kind).model_class()
    if encrypt:
        rows = model._default_manager.filter(custom__has_key=key)
    else:
        rows = model._default_manager.exclude(custom_sensitive="")
    moved = 0
    batch: list[Model] = []
    for record in (
        rows.only("pk", "custom", "custom_sensitive")
        .order_by("pk")
        .iterator(chunk_size=MIGRATION_BATCH)
    ):
        secret = decrypt_values(record.custom_sensitive)
        plain = dict(record.custom or {})
        if encrypt and key in plain:
            secret[key] = plain.pop(key)
        elif not encrypt and key in secret:
            plain[key] = secret.pop(key)
        else:
            continue
        record.custom, record.custom_sensitive = plain, encrypt_values(secret)
        batch.append(record)
        if len(batch) >= MIGRATION_BATCH:
            model._default_manager.bulk_update(batch, ["custom", "custom_sensitive"])
            moved += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_update(batch, ["custom", "custom_sensitive"])
        moved += len(batch)
    return moved


# Shares ----------------------------------------------------------------------------


def share_create(
    *,
    actor: User,
    record: Model,
    user: Any = None,
    team: Team | None = None,
    can_edit: bool = False,
) -> Share:
    """Share a record with a user or a team. Whoever may edit it may share it."""
    require(actor, Action.EDIT, record)
    if (user is None) == (team is None):
        raise FieldErrors.single("user_id", "give either a user or a team")
    if user is not None and not user.is_active:
        raise FieldErrors.single("user_id", "is not an active user")
    kind = record_type_for(record)
    with transaction.atomic():
        share, created = Share.objects.update_or_create(
            object_type=kind.key,
            object_id=record.pk,
            user=user,
            team=team,
            defaults={"can_edit": bool(can_edit), "shared_by": actor},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            record=share,
            object_repr=f"{record} → {user or team}",
            changes={"shared_with": [None, str(user or team)], "can_edit": [None, share.can_edit]},
            parent=record,
        )
    forget_access(user)  # the user object in hand reads the new share at once
    return share


def share_delete(*, actor: User, share: Share, record: Model) -> None:
    if not (can(actor, Action.EDIT, record) or access_for(actor).manage_access):
        raise PermissionDenied(_("You may not change who this record is shared with."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            record=share,
            object_repr=f"{record} → {share.user or share.team}",
            changes={"shared_with": [str(share.user or share.team), None]},
            parent=record,
        )
        share.delete()
    forget_access(share.user)


def shares_forget(object_type_key: str, object_id: Any) -> None:
    """A deleted record's shares go with it."""
    Share.objects.filter(object_type=object_type_key, object_id=object_id).delete()
