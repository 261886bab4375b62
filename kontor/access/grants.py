"""What one user may do: the combination of their roles, read once per request.

``access_for(user)`` reads the user's roles in one query and keeps the result
on the user object, which lives as long as the request (or the command) that
loaded it; ``forget_access(user)`` drops it after a change of roles or teams.
An API token's request gets it whole from the shared cache instead
(``complete_access``, kontor.accounts.token_cache), with no query at all."""

from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import CharField, Value
from django.db.models.functions import Concat

from kontor.access.rights import ACTIONS, CategoryAccess, Level
from kontor.core.records import CATEGORIES

User = AbstractBaseUser | AnonymousUser

_CACHE_ATTRIBUTE = "_kontor_access"
CUSTOM_PREFIX = "custom."
_AUDIT_SCOPES = ("none", "records", "all")


@dataclass
class Access:
    user_id: int | None
    levels: dict[str, dict[str, Level]] = field(default_factory=dict)
    categories: dict[str, CategoryAccess] = field(default_factory=dict)
    manage_access: bool = False
    audit_scope: str = "none"
    audit_by_employee: bool = False
    # Handles the requests of data subjects (GDPR Art. 15-21).
    data_subject_requests: bool = False
    is_superuser: bool = False
    # Filled on demand (the teams with their members in one query, the
    # field categories in another; each once).
    _team_ids: list[Any] | None = None
    _team_member_ids: set[int] | None = None
    _field_categories: dict[str, dict[str, str]] | None = None

    def level(self, object_type: str, action: str) -> Level:
        # A type the roles name keeps its own levels, even when all are none.
        by_type = self.levels.get(object_type)
        if by_type is None:
            by_type = self.levels.get("*", {})
        return by_type.get(action, Level.NONE)

    def category_access(self, category: str) -> CategoryAccess:
        return self.categories.get(category, CategoryAccess.NONE)

    def may_read_category(self, category: str) -> bool:
        return self.category_access(category) >= CategoryAccess.READ

    def may_edit_category(self, category: str) -> bool:
        return self.category_access(category) >= CategoryAccess.EDIT

    @property
    def reads_every_category(self) -> bool:
        return all(self.may_read_category(c) for c in CATEGORIES)

    @property
    def edits_every_category(self) -> bool:
        return all(self.may_edit_category(c) for c in CATEGORIES)

    def team_ids(self) -> list[Any]:
        if self._team_ids is None:
            self._load_teams()
        return self._team_ids  # type: ignore[return-value]

    def team_member_ids(self) -> set[int]:
        """The user and everyone who shares a team with them."""
        if self._team_member_ids is None:
            self._load_teams()
        return self._team_member_ids  # type: ignore[return-value]

    def field_categories(self) -> dict[str, dict[str, str]]:
        """Every administrator-set field category by object type (read once)."""
        if self._field_categories is None:
            self._field_categories = _load_field_categories()
        return self._field_categories

    def _load_teams(self) -> None:
        """The user's teams and their members, in one query: the membership
        rows of every team the user is in (which include the user's own)."""
        from kontor.access.models import Team

        rows: list[tuple[Any, int]] = []
        if self.user_id:
            through = Team.members.through
            teams = through.objects.filter(user_id=self.user_id).values("team_id")
            rows = list(through.objects.filter(team_id__in=teams).values_list("team_id", "user_id"))
        self._team_ids = sorted({team_id for team_id, _user_id in rows}, key=str)
        self._team_member_ids = {user_id for _team_id, user_id in rows}
        if self.user_id:
            self._team_member_ids.add(self.user_id)


def _load_field_categories() -> dict[str, dict[str, str]]:
    """Every administrator-set category, built-in and custom, in one query:
    built-in fields by their key, custom fields as ``custom.<key>``."""
    from kontor.access.models import FieldCategory
    from kontor.customfields.models import CustomFieldDefinition

    built_in = FieldCategory.objects.order_by().values_list("object_type", "field", "category")
    custom = (
        CustomFieldDefinition.objects.order_by()
        .annotate(field_key=Concat(Value(CUSTOM_PREFIX), "key", output_field=CharField()))
        .values_list("object_type", "field_key", "category")
    )
    categories: dict[str, dict[str, str]] = {}
    for kind, field_key, category in built_in.union(custom, all=True):
        categories.setdefault(kind, {})[field_key] = category
    return categories


def _everything(user_id: int | None, *, superuser: bool) -> Access:
    return Access(
        user_id=user_id,
        levels={"*": dict.fromkeys(ACTIONS, Level.ALL)},
        categories=dict.fromkeys(CATEGORIES, CategoryAccess.EDIT),
        manage_access=True,
        audit_scope="all",
        data_subject_requests=True,
        is_superuser=superuser,
    )


def combine(user_id: int | None, roles: list[dict[str, Any]]) -> Access:
    """The most permissive combination of the roles' grants. Object types a
    role names get its levels there; others get its ``"*"`` levels."""
    access = Access(user_id=user_id)
    named_types = {t for role in roles for t in (role.get("levels") or {}) if t != "*"}
    for role in roles:
        role_levels = role.get("levels") or {}
        fallback = role_levels.get("*") or {}
        for object_type in [*named_types, "*"]:
            given = role_levels.get(object_type, fallback) if object_type != "*" else fallback
            target = access.levels.setdefault(object_type, {})
            for action in ACTIONS:
                level = _parse_level(given.get(action))
                if level > target.get(action, Level.NONE):
                    target[action] = level
        for category, value in (role.get("categories") or {}).items():
            granted = _parse_category_access(value)
            if granted > access.categories.get(category, CategoryAccess.NONE):
                access.categories[category] = granted
        access.manage_access |= bool(role.get("manage_access"))
        access.audit_by_employee |= bool(role.get("audit_by_employee"))
        access.data_subject_requests |= bool(role.get("data_subject_requests"))
        scope = role.get("audit_scope") or "none"
        if scope in _AUDIT_SCOPES and _AUDIT_SCOPES.index(scope) > _AUDIT_SCOPES.index(
            access.audit_scope
        ):
            access.audit_scope = scope
    return access


def _parse_level(value: Any) -> Level:
    try:
        return Level.parse(value) if value is not None else Level.NONE
    except KeyError:
        return Level.NONE


def _parse_category_access(value: Any) -> CategoryAccess:
    try:
        return CategoryAccess.parse(value)
    except KeyError:
        return CategoryAccess.NONE


def access_for(user: User | None) -> Access:
    """The user's rights; nothing for anonymous or deactivated users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Access(user_id=None)
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        access = _everything(user.pk, superuser=True)
    else:
        from kontor.access.models import Role

        roles = list(
            Role.objects.filter(users=user.pk).values(
                "levels",
                "categories",
                "manage_access",
                "audit_scope",
                "audit_by_employee",
                "data_subject_requests",
            )
        )
        access = combine(user.pk, roles)
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def complete_access(user: User) -> Access:
    """The user's ``Access`` with what it otherwise reads on demand (the teams
    with their members, the field categories) read now: a value that needs
    no further query, for a cache to keep (kontor.access.freshness). Up to
    three queries."""
    access = access_for(user)
    if access.user_id is not None:
        access.team_ids()
        access.field_categories()
    return replace(access)


def remember_access(user: Any, access: Access) -> None:
    """Let ``access_for(user)`` answer ``access`` for the rest of the request."""
    setattr(user, _CACHE_ATTRIBUTE, access)


def forget_access(user: Any) -> None:
    """Make the next ``access_for(user)`` read the roles again."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
