"""Teams, roles, record shares and the categories of built-in fields.

A role grants, per object type and action, a level (none, own, team, all)
and, per field category, none / read / edit. A user with several roles gets
the most permissive combination. Superusers act as administrators."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kontor.core.models import BaseModel
from kontor.core.records import Category


class Team(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="kontor_teams",
        blank=True,
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kontor_teams_led",
        help_text=_("Told when a ticket of the team's queue breaches its service level."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class AuditScope(models.TextChoices):
    NONE = "none", _("none")
    # The history of records the user may read.
    RECORDS = "records", _("history of the records they may read")
    ALL = "all", _("the whole audit trail")


class Role(BaseModel):
    """``levels``: ``{"contact": {"read": "team", …}, "*": {…}}``; ``"*"``
    holds the levels of object types the role does not name (types that
    apps add later). ``categories``: ``{"personal": "edit", …}``."""

    slug = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    levels = models.JSONField(_("levels per object type and action"), default=dict, blank=True)
    categories = models.JSONField(_("access per field category"), default=dict, blank=True)
    manage_access = models.BooleanField(
        _("manages users, teams, roles and field categories"), default=False
    )
    audit_scope = models.CharField(
        _("audit trail"), max_length=16, choices=AuditScope.choices, default=AuditScope.NONE
    )
    audit_by_employee = models.BooleanField(
        _("may view the audit trail by employee"),
        default=False,
        help_text=_("In works-council mode only roles with this right filter the trail by actor."),
    )
    data_subject_requests = models.BooleanField(
        _("handles requests of data subjects"),
        default=False,
        help_text=_("Records access, erasure and other GDPR requests and exports the data."),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), related_name="kontor_roles", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class Share(BaseModel):
    """A record shared with one user or one team beyond what their roles allow:
    they may read it, and edit it with ``can_edit``."""

    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.UUIDField(_("record"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kontor_shares",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shares",
    )
    can_edit = models.BooleanField(_("may edit"), default=False)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [models.Index(fields=["object_type", "object_id"], name="share_record")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="share_with_user_or_team",
            ),
            models.UniqueConstraint(
                fields=["object_type", "object_id", "user"], name="share_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["object_type", "object_id", "team"], name="share_once_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} → {self.user or self.team}"


class FieldCategory(BaseModel):
    """An administrator's category for a built-in field (custom fields carry
    theirs in CustomFieldDefinition.category). Fields without a row have the
    category the code gives them."""

    object_type = models.CharField(_("object type"), max_length=32)
    field = models.CharField(_("field"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)

    class Meta:
        ordering = ["object_type", "field"]
        verbose_name = _("field category")
        verbose_name_plural = _("field categories")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "field"], name="field_category_once_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}.{self.field}: {self.category}"
