"""Helpers shared by the API tests of contacts and organizations."""

from typing import Any

from kontor.contacts.models import Contact, Organization
from tests.query_counts import CaptureWorkQueries


def field_errors(response) -> dict[str, list[str]]:
    """The reasons of a 422 by field, the location joined with dots
    (``{"body.emails.0.address": ["…"]}``)."""
    assert response.status_code == 422, (response.status_code, response.content)
    errors: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        errors.setdefault(".".join(str(part) for part in error["loc"]), []).append(error["msg"])
    return errors


def walk_pages(api, path: str, **params: Any) -> list[dict]:
    """Every item of a list endpoint, following ``next`` to the last page."""
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, query)
        assert response.status_code == 200, response.content
        page = response.json()
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items
    raise AssertionError("the list never ended")


def stored_state(record: Contact | Organization) -> dict[str, Any]:
    """Everything stored about a record, to prove a rejected write changed nothing."""
    model = type(record)
    row = model.objects.filter(pk=record.pk).values().get()
    return {
        "row": row,
        "emails": list(record.emails.values_list("address", "normalized", "label", "position")),
        "phones": list(record.phones.values_list("raw", "e164", "label", "position")),
        "tags": sorted(record.tags.values_list("name", flat=True)),
    }


def queries_of(api, path: str, **params: Any) -> int:
    """The SQL queries of one GET's own work beyond what authentication
    costs every request, measured against a lookup that needs no query;
    the clock's bookkeeping (tests/query_counts.py) is left out."""
    api.get("/api/v1/lookup", {"phone": ""})  # the token's copy in the cache settles on first use
    with CaptureWorkQueries() as overhead:
        api.get("/api/v1/lookup", {"phone": ""})
    with CaptureWorkQueries() as queries:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries.work) - len(overhead.work)
