"""What access rules talk about: the object types (contacts, organizations,
activities, files and every later type), the actions on them, the levels a
role grants, and the fields of each type with their sensitivity category.

Apps register their object types here (``register_object_type`` in their
``AppConfig.ready``); roles, the policy, the field categories and the audit
trail then cover them without further changes."""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Level(IntEnum):
    """How far a role's right reaches; a larger level includes the smaller ones."""

    NONE = 0
    OWN = 1  # records the user owns
    TEAM = 2  # records owned by a member of one of the user's teams
    ALL = 3

    @classmethod
    def parse(cls, value: Any) -> "Level":
        if isinstance(value, Level):
            return value
        return cls[str(value).upper()]

    @property
    def slug(self) -> str:
        return self.name.lower()


LEVEL_CHOICES = [
    ("none", _("none")),
    ("own", _("own records")),
    ("team", _("records of my teams")),
    ("all", _("all records")),
]


class Action(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    EDIT = "edit", _("edit")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")


ACTIONS: tuple[str, ...] = tuple(Action.values)


class Category(models.TextChoices):
    """How sensitive a field's values are. Financial and special values are
    stored encrypted and every read of them is recorded in the audit trail."""

    STANDARD = "standard", _("standard")
    PERSONAL = "personal", _("personal")
    # Credit information, payment behaviour, open items.
    FINANCIAL = "financial", _("financial")
    # Special categories of GDPR Art. 9 (health, religion, union membership, …)
    # and Art. 10 (criminal convictions and offences).
    SPECIAL = "special", _("special (Art. 9/10 GDPR)")


CATEGORIES: tuple[str, ...] = tuple(Category.values)
SENSITIVE_CATEGORIES = frozenset({Category.FINANCIAL, Category.SPECIAL})


class CategoryAccess(IntEnum):
    NONE = 0
    READ = 1
    EDIT = 2

    @classmethod
    def parse(cls, value: Any) -> "CategoryAccess":
        if isinstance(value, CategoryAccess):
            return value
        return cls[str(value).upper()]

    @property
    def slug(self) -> str:
        return self.name.lower()


CATEGORY_ACCESS_CHOICES = [("none", _("none")), ("read", _("read")), ("edit", _("read and edit"))]


@dataclass(frozen=True)
class FieldSpec:
    """A built-in field. ``key`` names it in service data and in the API;
    ``output_keys`` are the keys of API answers that carry its value (and
    go with it when it is hidden), e.g. a contact's name is ``first_name``,
    ``last_name`` and ``display_name``. ``categories`` are the categories an
    administrator may give it: fields that are searched or matched by an
    index cannot be encrypted, so they stay standard or personal."""

    key: str
    label: Promise | str
    category: str = Category.STANDARD
    categories: tuple[str, ...] = (Category.STANDARD,)
    output_keys: tuple[str, ...] = ()

    @property
    def keys_in_output(self) -> tuple[str, ...]:
        return self.output_keys or (self.key,)

    @property
    def fixed(self) -> bool:
        return len(self.categories) == 1


@dataclass(frozen=True)
class ObjectType:
    """A kind of record access rules apply to.

    ``owner_paths``: ORM paths (``owner``, ``contact__owner``) to the users
    who own a record; ``own`` and ``team`` levels are checked against them.
    ``share_paths``: ``(path, object type)`` pairs of records whose shares
    also reach this one ("" is the record itself).
    ``parent_types``: types whose visibility this type's reads already require
    (an activity is shown only if its contact is); a level no stricter than
    theirs then adds no condition of its own.
    ``custom_fields``: administrators define extra fields for it
    (CustomFieldDefinition.object_type is the key)."""

    key: str
    label: Promise | str
    label_plural: Promise | str
    model: str
    owner_paths: tuple[str, ...]
    share_paths: tuple[tuple[str, str], ...] = (("", ""),)
    parent_types: tuple[str, ...] = ()
    custom_fields: bool = False
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    # Dotted path of the app's ``visible_…(user) -> QuerySet`` selector.
    visible: str = ""

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def owner_ids(self, record: Any) -> set[int]:
        """The users owning ``record`` (attribute lookups; the caller loads the
        related records it needs)."""
        owners = set()
        for path in self.owner_paths:
            value: Any = record
            *hops, last = path.split("__")
            for hop in hops:
                value = getattr(value, hop, None) if value is not None else None
            owner_id = getattr(value, f"{last}_id", None) if value is not None else None
            if owner_id is not None:
                owners.add(owner_id)
        return owners

    def visible_records(self, user: Any) -> models.QuerySet:
        """The records of this type ``user`` may read, by the app's own selector
        (which adds its rules to the policy's, e.g. an activity's records)."""
        from django.utils.module_loading import import_string

        if self.visible:
            return import_string(self.visible)(user)
        from kontor.access.policy import restrict

        return restrict(self.model_class()._default_manager.all(), user, self.key)

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model)


_TYPES: dict[str, ObjectType] = {}


def register_object_type(object_type: ObjectType) -> None:
    """Make a type known to the access rules; registering it again replaces it."""
    _TYPES[object_type.key] = object_type


def object_type(key: str) -> ObjectType:
    try:
        return _TYPES[key]
    except KeyError:
        raise LookupError(f"{key!r} is no registered object type") from None


def object_types() -> list[ObjectType]:
    return list(_TYPES.values())


def object_type_for(record: models.Model | type[models.Model]) -> ObjectType:
    """The registered type of a record or model class."""
    label = record._meta.label
    for registered in _TYPES.values():
        if registered.model == label:
            return registered
    raise LookupError(f"{label} is no registered object type")


def is_registered(key: str) -> bool:
    return key in _TYPES
