"""The API's JSON answers, written by orjson.

The text is the same as Ninja's JSON renderer writes (Django's JSON
encoder): datetimes to the millisecond with ``Z`` for UTC, decimals, UUIDs
and lazily translated texts as strings. orjson writes the rest in its native
code; a list page of 50 contacts took 1.6 ms with the standard library's
``json`` and takes 0.5 ms (docs/performance.md). A value orjson cannot write
(an integer beyond 64 bits) is written by ``json`` instead."""

import json
from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

# Datetimes go to Django's encoder (milliseconds, "Z"), as they always did.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_encoder = NinjaJSONEncoder()


class OrjsonRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        try:
            return orjson.dumps(data, default=_encoder.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return json.dumps(data, cls=NinjaJSONEncoder).encode()
