from django import forms
from django.contrib import admin

from kontor.access.registry import Category
from kontor.access.services import field_category_set
from kontor.contacts.models import CustomFieldDefinition, Tag


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


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
