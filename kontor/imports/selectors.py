"""Reads of imports: a user sees the imports they started; administrators
(who manage access) see every one."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from kontor.access.grants import access_for
from kontor.contacts.selectors import parse_uuid
from kontor.imports.models import Import, ImportMapping

User = AbstractBaseUser | AnonymousUser


def visible_imports(user: User) -> QuerySet[Import]:
    if not user.is_authenticated:
        return Import.objects.none()
    imports = Import.objects.select_related("created_by")
    if access_for(user).manage_access:
        return imports
    return imports.filter(created_by=user)


def import_get(*, user: User, import_id: Any) -> Import | None:
    pk = parse_uuid(import_id)
    if pk is None:
        return None
    return visible_imports(user).filter(pk=pk).first()


def recent_imports(*, user: User, limit: int = 20) -> list[Import]:
    return list(visible_imports(user).filter(created_by=user).order_by("-created_at")[:limit])


def mappings_for(*, user: User, record_type: str) -> QuerySet[ImportMapping]:
    return ImportMapping.objects.filter(owner=user, record_type=record_type).order_by("name")
