"""The API's answers are written by orjson, in the same text as Ninja's
standard JSON renderer wrote them."""

import datetime
import decimal
import enum
import json
import uuid

from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer

from kontor.api.api import api as kontor_api
from kontor.api.renderers import OrjsonRenderer
from tests.factories import ContactFactory


class Stage(enum.StrEnum):
    LEAD = "lead"


PAYLOAD = {
    "id": uuid.UUID("01924605-2fac-7641-b88f-f3c107eeabf5"),
    "created_at": datetime.datetime(2026, 12, 5, 23, 1, 2, 345678, tzinfo=datetime.UTC),
    "local": datetime.datetime(
        2026, 12, 5, 23, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    ),
    "whole_second": datetime.datetime(2026, 12, 5, 23, 1, 2, tzinfo=datetime.UTC),
    "due": datetime.date(2026, 12, 24),
    "amount": decimal.Decimal("1234.50"),
    "label": gettext_lazy("Work"),
    "stage": Stage.LEAD,
    "counts": {1: 3, "call": 2},
    "items": [{"name": "Müller „Quote“", "none": None, "yes": True, "n": 1.5}],
}


def _render(renderer, data) -> bytes:
    request = RequestFactory().get("/api/v1/contacts")
    text = renderer.render(request, data, response_status=200)
    return text if isinstance(text, bytes) else text.encode()


def test_it_writes_what_ninjas_json_renderer_wrote():
    ours = _render(OrjsonRenderer(), PAYLOAD)

    assert json.loads(ours) == json.loads(_render(JSONRenderer(), PAYLOAD))
    assert json.loads(ours)["created_at"] == "2026-12-05T23:01:02.345Z"
    assert json.loads(ours)["local"] == "2026-12-05T23:01:02+01:00"


def test_a_number_orjson_cannot_write_is_written_all_the_same():
    assert json.loads(_render(OrjsonRenderer(), {"big": 2**70})) == {"big": 2**70}


def test_the_api_answers_through_it(api):
    assert isinstance(kontor_api.renderer, OrjsonRenderer)
    contact = ContactFactory(first_name="Jürgen", last_name="Groß")

    response = api.get(f"/api/v1/contacts/{contact.pk}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["display_name"] == "Jürgen Groß"
