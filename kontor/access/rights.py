"""What a role grants: per record type (kontor.core.records) and action a
level (none, own, team, all), and per field category none / read / edit."""

from enum import IntEnum
from typing import Any

from django.db import models
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
