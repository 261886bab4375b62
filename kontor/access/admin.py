"""Teams, roles, shares, field categories and custom fields in the admin. A
role's levels are edited as one select per record type and action, its field
access as one select per category."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kontor.access.models import FieldCategory, Role, Share, Team
from kontor.access.rights import ACTIONS, CATEGORY_ACCESS_CHOICES, LEVEL_CHOICES, Action
from kontor.access.services import field_category_set
from kontor.core.records import CATEGORIES, Category, is_registered, record_type, record_types
from kontor.customfields.models import CustomFieldDefinition

OTHER_TYPES = "*"


def _level_field(object_type: str, action: str) -> str:
    return f"level__{'other' if object_type == OTHER_TYPES else object_type}__{action}"


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = [
            "slug", "name", "description", "manage_access", "audit_scope", "audit_by_employee",
            "data_subject_requests", "users",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = self.instance.levels or {}
        categories = self.instance.categories or {}
        for kind in [*[t.key for t in record_types()], OTHER_TYPES]:
            label = _("other types") if kind == OTHER_TYPES else kind
            for action in ACTIONS:
                given = levels.get(kind, {}).get(action)
                self.fields[_level_field(kind, action)] = forms.ChoiceField(
                    label=f"{label}: {Action(action).label}",
                    choices=([("", _("as for other types"))] if kind != OTHER_TYPES else [])
                    + LEVEL_CHOICES,
                    required=False,
                    initial=given or ("" if kind != OTHER_TYPES else "none"),
                )
        for category in CATEGORIES:
            self.fields[f"category__{category}"] = forms.ChoiceField(
                label=Category(category).label,
                choices=CATEGORY_ACCESS_CHOICES,
                initial=categories.get(category, "none"),
            )

    def save(self, commit: bool = True) -> Role:
        levels: dict[str, dict[str, str]] = {}
        for kind in [*[t.key for t in record_types()], OTHER_TYPES]:
            for action in ACTIONS:
                value = self.cleaned_data.get(_level_field(kind, action))
                if value:
                    levels.setdefault(kind, {})[action] = value
        self.instance.levels = levels
        self.instance.categories = {
            category: self.cleaned_data[f"category__{category}"] for category in CATEGORIES
        }
        return super().save(commit=commit)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ["name", "slug", "manage_access", "audit_scope", "audit_by_employee"]
    filter_horizontal = ["users"]
    search_fields = ["name", "slug"]

    def get_fieldsets(self, request, obj=None):
        form = self.get_form(request, obj)(instance=obj)
        levels = [name for name in form.fields if name.startswith("level__")]
        categories = [name for name in form.fields if name.startswith("category__")]
        return [
            (None, {"fields": ["slug", "name", "description", "users"]}),
            (_("Levels per object type and action"), {"fields": levels}),
            (_("Access per field category"), {"fields": categories}),
            (
                _("Administration"),
                {
                    "fields": [
                        "manage_access",
                        "audit_scope",
                        "audit_by_employee",
                        "data_subject_requests",
                    ]
                },
            ),
        ]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["object_type", "object_id", "user", "team", "can_edit", "created_at"]
    list_filter = ["object_type", "can_edit"]
    raw_id_fields = ["user", "shared_by"]


class FieldCategoryForm(forms.ModelForm):
    class Meta:
        model = FieldCategory
        fields = ["object_type", "field", "category"]

    def clean(self) -> dict[str, Any]:
        values = super().clean()
        kind, field = values.get("object_type"), values.get("field")
        spec = record_type(kind).field(field) if kind and is_registered(kind) else None
        if spec is None:
            raise forms.ValidationError(_("This is no built-in field of a known object type."))
        if values.get("category") not in spec.categories:
            raise forms.ValidationError(
                _("This field can only be: %(categories)s.")
                % {"categories": ", ".join(spec.categories)}
            )
        return values


@admin.register(FieldCategory)
class FieldCategoryAdmin(admin.ModelAdmin):
    """Built-in fields' categories; custom fields carry theirs in their definition.
    Changes go through the service, which records them in the audit trail."""

    form = FieldCategoryForm
    list_display = ["object_type", "field", "category"]
    list_filter = ["object_type", "category"]

    def save_model(self, request, obj, form, change) -> None:
        field_category_set(
            actor=request.user,
            object_type_key=obj.object_type,
            field=obj.field,
            category=obj.category,
        )
        saved = FieldCategory.objects.filter(object_type=obj.object_type, field=obj.field).first()
        obj.pk = saved.pk if saved else obj.pk

    def delete_model(self, request, obj) -> None:
        spec = (
            record_type(obj.object_type).field(obj.field)
            if is_registered(obj.object_type)
            else None
        )
        if spec is None:
            obj.delete()
            return
        field_category_set(
            actor=request.user,
            object_type_key=obj.object_type,
            field=obj.field,
            category=spec.category,
        )


class CustomFieldDefinitionForm(forms.ModelForm):
    class Meta:
        model = CustomFieldDefinition
        fields = [
            "object_type", "key", "label", "field_type", "choices", "required", "help_text",
            "position", "category",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].required = False
        self.fields["object_type"] = forms.ChoiceField(
            label=_("object type"),
            choices=[(t.key, t.label) for t in record_types() if t.custom_fields],
        )

    def clean_category(self) -> str:
        return self.cleaned_data.get("category") or Category.STANDARD


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    form = CustomFieldDefinitionForm
    list_display = ["label", "key", "object_type", "field_type", "category", "required", "position"]
    list_filter = ["object_type", "field_type", "category"]
    search_fields = ["label", "key"]

    def save_model(self, request, obj, form, change) -> None:
        # A new category moves the stored values into or out of encryption
        # (kontor.access.services), so it is set through the service.
        category = obj.category
        if change and "category" in form.changed_data:
            obj.category = form.initial["category"]
        super().save_model(request, obj, form, change)
        if change and "category" in form.changed_data:
            field_category_set(
                actor=request.user,
                object_type_key=obj.object_type,
                field=f"custom.{obj.key}",
                category=category,
            )
