from django.contrib import admin

from kontor.contacts.models import CustomFieldDefinition, Tag


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "object_type", "field_type", "required", "position"]
    list_filter = ["object_type", "field_type"]
    search_fields = ["label", "key"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
