"""An API answer outside a request: the same schema, field filtering and
JSON as the endpoint would give the user (webhook payloads)."""

from typing import Any

from django.http import HttpRequest

from kontor.api.schemas import Schema


def render_answer(schema: type[Schema], obj: Any, *, request: HttpRequest) -> dict[str, Any]:
    context = {"request": request, "response_status": 200}
    validated = schema.model_validate(obj, context=context)
    return validated.model_dump(mode="json", by_alias=True, context=context)
