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
  (GDPR Art. 15-17), all categories, the whole audit trail, also by employee.
- read-only: reads every record, standard and personal data only.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


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


def create_default_roles(role_model: Any) -> None:
    for role in DEFAULT_ROLES:
        values = {"description": DESCRIPTIONS[role["slug"]], "manage_access": False,
                  "audit_by_employee": False, **role}  # fmt: skip
        slug = values.pop("slug")
        role_model.objects.get_or_create(slug=slug, defaults=values)


def restore_default_roles(sender: Any, **kwargs: Any) -> None:
    """``post_migrate`` receiver: an empty role table (a new or flushed
    database) gets the default roles again."""
    from kontor.access.models import Role

    if not Role.objects.exists():
        create_default_roles(Role)


def display_name(slug: str, name: str) -> str:
    return str(ROLE_NAMES.get(slug, name))
