from kontor.customfields.models import CustomFieldDefinition


def definitions_for(object_type: str) -> list[CustomFieldDefinition]:
    """The custom fields of a record type, in their order."""
    return list(CustomFieldDefinition.objects.filter(object_type=object_type))


def definition_get(object_type: str, key: str) -> CustomFieldDefinition | None:
    return CustomFieldDefinition.objects.filter(object_type=object_type, key=key).first()
