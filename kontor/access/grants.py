"""What one user may do: the combination of their roles, their teams with
the members, the records shared with them and the field categories, read
once per request into one value that does not change (``Access``).

``access_for(user)`` reads it (four queries; two for a superuser) and keeps
it on the user object, which lives as long as the request (or the command,
or the worker's task) that loaded it; ``forget_access(user)`` drops it after
a change of roles or teams. Requests of a logged-in user and of an API token
get it whole from the shared cache instead (kontor.access.shared_access,
kontor.accounts.token_cache), with no query of these tables at all. What a
request derives from it (a type's ``FieldAccess``) is kept beside it on the
user object (``derived``), never in it."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import CharField, Value
from django.db.models.functions import Concat

from kontor.access.rights import ACTIONS, CategoryAccess, Level
from kontor.core.records import CATEGORIES

User = AbstractBaseUser | AnonymousUser
T = TypeVar("T")

_ACCESS_ATTRIBUTE = "_kontor_access"
_DERIVED_ATTRIBUTE = "_kontor_access_derived"
CUSTOM_PREFIX = "custom."
_AUDIT_SCOPES = ("none", "records", "all")


@dataclass(frozen=True)
class Access:
    """A user's rights as one value: built once (``access_for``), kept in
    the shared cache, and never changed; a change of access builds a new one."""

    user_id: int | None
    levels: Mapping[str, Mapping[str, Level]] = field(default_factory=dict)
    categories: Mapping[str, CategoryAccess] = field(default_factory=dict)
    manage_access: bool = False
    audit_scope: str = "none"
    audit_by_employee: bool = False
    # Handles the requests of data subjects (GDPR Art. 15-21).
    data_subject_requests: bool = False
    is_superuser: bool = False
    # The user's teams, and everyone who shares one with them (the user too).
    team_ids: tuple[Any, ...] = ()
    team_member_ids: frozenset[int] = frozenset()
    # Every administrator-set field category by object type: built-in fields
    # by their key, custom fields as ``custom.<key>``.
    field_categories: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The records shared with the user or their teams, (type, id) → whether
    # one of the shares lets them edit it; None when there are more than
    # ``MAX_COPIED_SHARES`` (or they were not read): the database is asked.
    shares: Mapping[tuple[str, Any], bool] | None = None

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


def _read_teams(user_id: int) -> tuple[tuple[Any, ...], frozenset[int]]:
    """The user's teams and their members, in one query: the membership rows
    of every team the user is in (which include the user's own)."""
    from kontor.access.models import Team

    through = Team.members.through
    teams = through.objects.filter(user_id=user_id).values("team_id")
    rows = list(through.objects.filter(team_id__in=teams).values_list("team_id", "user_id"))
    team_ids = tuple(sorted({team_id for team_id, _user_id in rows}, key=str))
    return team_ids, frozenset({user_id for _team_id, user_id in rows} | {user_id})


# A user with more shares than this has them asked of the database each time.
MAX_COPIED_SHARES = 2000


def _read_shares(user_id: int, team_ids: tuple[Any, ...]) -> dict[tuple[str, Any], bool] | None:
    """What is shared with the user or their teams (``Access.shares``)."""
    from django.db.models import Q

    from kontor.access.models import Share

    rows = list(
        Share.objects.filter(Q(user_id=user_id) | Q(team_id__in=team_ids))
        .order_by()
        .values_list("object_type", "object_id", "can_edit")[: MAX_COPIED_SHARES + 1]
    )
    if len(rows) > MAX_COPIED_SHARES:
        return None
    shares: dict[tuple[str, Any], bool] = {}
    for object_type, object_id, can_edit in rows:
        shares[(object_type, object_id)] = shares.get((object_type, object_id), False) or can_edit
    return shares


def _read_field_categories() -> dict[str, dict[str, str]]:
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
    levels: dict[str, dict[str, Level]] = {}
    categories: dict[str, CategoryAccess] = {}
    flags = dict.fromkeys(("manage_access", "audit_by_employee", "data_subject_requests"), False)
    audit_scope = "none"
    named_types = {t for role in roles for t in (role.get("levels") or {}) if t != "*"}
    for role in roles:
        role_levels = role.get("levels") or {}
        fallback = role_levels.get("*") or {}
        for object_type in [*named_types, "*"]:
            given = role_levels.get(object_type, fallback) if object_type != "*" else fallback
            target = levels.setdefault(object_type, {})
            for action in ACTIONS:
                level = _parse_level(given.get(action))
                if level > target.get(action, Level.NONE):
                    target[action] = level
        for category, value in (role.get("categories") or {}).items():
            granted = _parse_category_access(value)
            if granted > categories.get(category, CategoryAccess.NONE):
                categories[category] = granted
        for flag in flags:
            flags[flag] |= bool(role.get(flag))
        scope = role.get("audit_scope") or "none"
        if scope in _AUDIT_SCOPES and _AUDIT_SCOPES.index(scope) > _AUDIT_SCOPES.index(audit_scope):
            audit_scope = scope
    return Access(
        user_id=user_id, levels=levels, categories=categories, audit_scope=audit_scope, **flags
    )


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


def read_access(user: AbstractBaseUser) -> Access:
    """The active user's whole ``Access`` from the database: the roles (none
    for a superuser), the teams with their members, what is shared with them
    (not for a superuser, who reads everything anyway), the field categories."""
    if user.is_superuser:
        grants = _everything(user.pk, superuser=True)
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
        grants = combine(user.pk, roles)
    team_ids, team_member_ids = _read_teams(user.pk)
    return replace(
        grants,
        team_ids=team_ids,
        team_member_ids=team_member_ids,
        shares=None if user.is_superuser else _read_shares(user.pk, team_ids),
        field_categories=_read_field_categories(),
    )


def may_have_access(user: User | None) -> bool:
    """Whether the user has any rights at all: anonymous and deactivated
    users have none, and nothing needs to be read for them."""
    return user is not None and user.is_authenticated and user.is_active


def access_for(user: User | None) -> Access:
    """The user's rights; nothing for anonymous or deactivated users. Read
    once per request (or task) and kept on the user object."""
    if not may_have_access(user):
        return Access(user_id=None)
    remembered = getattr(user, _ACCESS_ATTRIBUTE, None)
    if remembered is not None:
        return remembered
    access = read_access(user)  # type: ignore[arg-type]
    remember_access(user, access)
    return access


def remember_access(user: Any, access: Access) -> None:
    """Let ``access_for(user)`` answer ``access`` for the rest of the request."""
    setattr(user, _ACCESS_ATTRIBUTE, access)


def forget_access(user: Any) -> None:
    """Make the next ``access_for(user)`` read the access again (and
    ``derived`` make its values anew)."""
    if user is not None and hasattr(user, _ACCESS_ATTRIBUTE):
        delattr(user, _ACCESS_ATTRIBUTE)


def derived(user: User | None, key: str, make: Callable[[Access], T]) -> T:
    """What ``make`` derives from the user's ``Access``, made once per request:
    kept on the user object beside the ``Access`` it was made from (not in
    it: the ``Access`` stays one value, and what the shared cache keeps),
    and made anew once that ``Access`` is forgotten or replaced."""
    access = access_for(user)
    if user is None:
        return make(access)
    made_from, values = getattr(user, _DERIVED_ATTRIBUTE, (None, {}))
    if made_from is not access:
        values = {}
        setattr(user, _DERIVED_ATTRIBUTE, (access, values))
    if key not in values:
        values[key] = make(access)
    return values[key]
