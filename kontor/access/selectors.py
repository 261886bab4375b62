"""Reads of users, teams, roles, field categories and shares."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from kontor.access.grants import User
from kontor.access.models import FieldCategory, Role, Share, Team
from kontor.access.policy import CUSTOM_PREFIX
from kontor.core.records import Category, record_types


def user_list() -> QuerySet:
    return (
        get_user_model()
        .objects.order_by("username", "id")
        .prefetch_related("kontor_teams", "kontor_roles")
    )


def user_get(user_id: Any) -> Any:
    if isinstance(user_id, bool) or not str(user_id).isdigit() or int(user_id) > 2**63 - 1:
        return None
    return user_list().filter(pk=int(user_id)).first()


def team_list() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").order_by("name", "id")


def role_list() -> QuerySet[Role]:
    return Role.objects.order_by("name", "id")


@dataclass(frozen=True)
class FieldInfo:
    object_type: str
    field: str
    label: str
    category: str
    categories: tuple[str, ...]
    custom: bool

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


def field_category_list() -> list[FieldInfo]:
    """Every field of every object type with its category: built-in fields,
    then the custom fields administrators defined."""
    from kontor.customfields.models import CustomFieldDefinition

    stored = {(f.object_type, f.field): f.category for f in FieldCategory.objects.all()}
    custom: dict[str, list[CustomFieldDefinition]] = {}
    for definition in CustomFieldDefinition.objects.all():
        custom.setdefault(definition.object_type, []).append(definition)
    fields = []
    for kind in record_types():
        for spec in kind.fields:
            category = stored.get((kind.key, spec.key), spec.category)
            if category not in spec.categories:
                category = spec.category
            fields.append(
                FieldInfo(kind.key, spec.key, str(spec.label), category, spec.categories, False)
            )
        for definition in custom.get(kind.key, []) if kind.custom_fields else []:
            fields.append(
                FieldInfo(
                    kind.key,
                    f"{CUSTOM_PREFIX}{definition.key}",
                    definition.label,
                    definition.category,
                    tuple(Category.values),
                    True,
                )
            )
    return fields


def shares_of(*, object_type: str, object_id: Any) -> QuerySet[Share]:
    return Share.objects.filter(object_type=object_type, object_id=object_id).select_related(
        "user", "team"
    )


def share_get(share_id: Any) -> Share | None:
    import uuid

    try:
        pk = uuid.UUID(str(share_id))
    except ValueError:
        return None
    return Share.objects.filter(pk=pk).select_related("user", "team").first()


def teams_of(user: User) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(members=user.pk).order_by("name")
