"""The default roles.

Levels are given under ``"*"``, so they also apply to object types that
apps register later (deals, tickets, …); a role may override a type by
naming it. Names are the ones the API lists; the web interface translates
them. In short:

- administrator: everything, manages users, teams, roles and field categories.
- sales: reads and edits the records of their teams, deletes and exports
  their own; reads financial data, never special data.
- service: reads, creates and edits every record (customers call about
  anything), deletes and exports nothing; no financial or special data.
- team lead: everything on their teams' records, reads and edits financial
  data, no special data.
- data protection officer: reads, corrects, exports and erases every record
  (GDPR Art. 15-17), all categories, the whole audit trail, also by employee;
  handles the requests of data subjects (with the administrator).
- read-only: reads every record, standard and personal data only.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kontor.access.rights import ACTIONS


def _levels(read: str, create: str, edit: str, delete: str, export: str) -> dict[str, Any]:
    return {"*": {"read": read, "create": create, "edit": edit, "delete": delete,
                  "export": export}}  # fmt: skip


def _categories(standard: str, personal: str, financial: str, special: str) -> dict[str, str]:
    return {"standard": standard, "personal": personal, "financial": financial,
            "special": special}  # fmt: skip


DEFAULT_ROLES: list[dict[str, Any]] = [
    {
        "slug": "administrator",
        "name": "administrator",
        "levels": _levels("all", "all", "all", "all", "all"),
        "categories": _categories("edit", "edit", "edit", "edit"),
        "manage_access": True,
        "audit_scope": "all",
        "audit_by_employee": False,
        "data_subject_requests": True,
    },
    {
        "slug": "sales",
        "name": "sales",
        "levels": _levels("team", "team", "team", "own", "own"),
        "categories": _categories("edit", "edit", "read", "none"),
        "audit_scope": "records",
    },
    {
        "slug": "service",
        "name": "service",
        "levels": _levels("all", "all", "all", "none", "none"),
        "categories": _categories("edit", "edit", "none", "none"),
        "audit_scope": "records",
    },
    {
        "slug": "team-lead",
        "name": "team lead",
        "levels": _levels("team", "team", "team", "team", "team"),
        "categories": _categories("edit", "edit", "edit", "none"),
        "audit_scope": "records",
    },
    {
        "slug": "data-protection-officer",
        "name": "data protection officer",
        "levels": _levels("all", "none", "all", "all", "all"),
        "categories": _categories("edit", "edit", "edit", "edit"),
        "audit_scope": "all",
        "audit_by_employee": True,
        "data_subject_requests": True,
    },
    {
        "slug": "read-only",
        "name": "read-only",
        "levels": _levels("all", "none", "none", "none", "none"),
        "categories": _categories("read", "read", "none", "none"),
        "audit_scope": "none",
    },
]

# The web interface shows the default roles in the user's language.
ROLE_NAMES = {
    "administrator": _("administrator"),
    "sales": _("sales"),
    "service": _("service"),
    "team-lead": _("team lead"),
    "data-protection-officer": _("data protection officer"),
    "read-only": _("read-only"),
}
DESCRIPTIONS = {
    "administrator": "Everything; manages users, teams, roles and field categories.",
    "sales": "Reads and edits the records of their teams; deletes and exports their own. "
    "Financial data read-only, no special data.",
    "service": "Reads, creates and edits every record; deletes and exports nothing. "
    "No financial or special data.",
    "team-lead": "Everything on the records of their teams, financial data included; "
    "no special data.",
    "data-protection-officer": "Reads, corrects, exports and erases every record, all "
    "categories; the whole audit trail, also by employee.",
    "read-only": "Reads every record, standard and personal data only.",
}


def registered_levels(slug: str) -> dict[str, dict[str, str]]:
    """The levels record types registered for the default role ``slug``
    where they differ from its ``"*"`` levels (kontor.core.records)."""
    from kontor.core.records import record_types

    levels = {}
    for kind in record_types():
        if (granted := kind.default_levels(slug)) is not None:
            levels[kind.key] = {action: granted.get(action, "none") for action in ACTIONS}
    return levels


def create_default_roles(role_model: Any) -> None:
    # A migration's historical model may lack rights added later (they come
    # with their own migration).
    known = {field.name for field in role_model._meta.get_fields()}
    for role in DEFAULT_ROLES:
        values = {"description": DESCRIPTIONS[role["slug"]], "manage_access": False,
                  "audit_by_employee": False, **role}  # fmt: skip
        values = {key: value for key, value in values.items() if key in known}
        slug = values.pop("slug")
        values["levels"] = {**values["levels"], **registered_levels(slug)}
        role_model.objects.get_or_create(slug=slug, defaults=values)


def add_registered_levels(role_model: Any, keys: list[str]) -> None:
    """For a data migration of an app that registers types with
    ``role_levels``: existing default roles that do not name those types yet
    get their levels (administrators' own changes stay)."""
    for role in role_model.objects.filter(slug__in=[r["slug"] for r in DEFAULT_ROLES]):
        wanted = {k: v for k, v in registered_levels(role.slug).items() if k in keys}
        missing = {k: v for k, v in wanted.items() if k not in (role.levels or {})}
        if missing:
            role.levels = {**(role.levels or {}), **missing}
            role.save(update_fields=["levels"])


def remove_registered_levels(role_model: Any, keys: list[str]) -> None:
    for role in role_model.objects.filter(slug__in=[r["slug"] for r in DEFAULT_ROLES]):
        if any(k in (role.levels or {}) for k in keys):
            role.levels = {k: v for k, v in role.levels.items() if k not in keys}
            role.save(update_fields=["levels"])


def restore_default_roles(sender: Any, **kwargs: Any) -> None:
    """``post_migrate`` receiver: an empty role table (a new or flushed
    database) gets the default roles again."""
    from kontor.access.models import Role

    if not Role.objects.exists():
        create_default_roles(Role)


def display_name(slug: str, name: str) -> str:
    return str(ROLE_NAMES.get(slug, name))
