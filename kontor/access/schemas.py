"""Field filtering of API answers: a schema that inherits ``FieldFilteredOut``
drops the keys of fields the requesting user may not read, wherever it is
used (lists, details, search results, the 360° view), and shows only the
custom values the user may read. The keys it may drop are optional in the
OpenAPI document."""

from typing import Any, ClassVar

from pydantic import (
    GetJsonSchemaHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from kontor.access.policy import FieldAccess, fields_for
from kontor.access.sensitive import readable_custom_values
from kontor.api.schemas import Schema
from kontor.core.records import record_type_for

HIDDEN_FIELD_NOTE = (
    "Absent when your roles may not read this field's category (kontor field categories)."
)


def request_user(context: Any) -> Any:
    request = (context or {}).get("request") if isinstance(context, dict) else None
    return getattr(request, "user", None)


def _without_serializer(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    stripped = {k: v for k, v in schema.items() if k != "serialization"}
    if schema.get("type") != "model" and "schema" in schema:
        stripped["schema"] = _without_serializer(schema["schema"])
    return stripped


class FieldFilteredOut(Schema):
    access_object_type: ClassVar[str] = ""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The document lists the fields; the serializer below only leaves some
        # out, which the fields' defaults (not required) already describe.
        return handler(_without_serializer(core_schema))

    @staticmethod
    def resolve_custom(obj: Any, context: Any) -> dict[str, Any]:
        return readable_custom_values(request_user(context), obj, record_type_for(obj).key)

    @model_serializer(mode="wrap")
    def _only_readable_fields(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        user = request_user(info.context)
        fields = fields_for(user, self.access_object_type)
        for key in fields.hidden_output_keys():
            data.pop(key, None)
        return self.shown_to(fields, data)

    def shown_to(self, fields: FieldAccess, data: dict[str, Any]) -> dict[str, Any]:
        """The answer for a user with ``fields``; a type whose other values
        derive from a field (a contact's name from its email address)
        hides them here too."""
        return data
