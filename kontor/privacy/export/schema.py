"""The JSON Schema (draft 2020-12) of an export's ``data.json``, shipped in
the archive as ``schema.json``. The record sections are the registered
types and holders with personal data (kontor.core.records)."""

from typing import Any

from kontor.privacy.export.collect import FORMAT, VERSION, holders
from kontor.privacy.models import RequestType

DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}

ITEM = {
    "type": "object",
    "description": "One record.",
    "required": ["id", "data", "files"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "description": "The record's id in Kontor."},
        "data": {
            "type": "object",
            "description": "The record as Kontor's REST API answers it (/api/v1/openapi.json).",
        },
        "files": {
            "type": "array",
            "description": "Paths in this archive of the stored files of the record "
            "(an attached file, a received email as it arrived).",
            "items": {"type": "string", "pattern": "^files/"},
        },
    },
}


def _section(label: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"The person's {label}.",
        "required": ["label", "items"],
        "additionalProperties": False,
        "properties": {
            "label": {"type": "string", "description": "What the records are."},
            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
        },
    }


def export_schema() -> dict[str, Any]:
    sections = {holder.key: _section(str(holder.label_plural)) for holder in holders()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://kontor.example/schemas/{FORMAT}/{VERSION}",
        "title": "Kontor: the data held about a person",
        "description": "Everything Kontor holds about one person, exported for a request "
        "of access (GDPR Art. 15) or data portability (Art. 20).",
        "type": "object",
        "required": [
            "format",
            "version",
            "generated_at",
            "request",
            "person",
            "records",
            "recipients",
            "retention",
        ],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT, "description": "What this file is."},
            "version": {"const": VERSION, "description": "The version of this format."},
            "generated_at": {**DATE_TIME, "description": "When the export was made."},
            "request": {
                "type": "object",
                "description": "The request this export answers.",
                "required": ["id", "type", "received_on", "deadline"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "type": {"enum": list(RequestType.values)},
                    "received_on": DATE,
                    "deadline": {**DATE, "description": "One month after receipt."},
                },
            },
            "person": {
                "type": "object",
                "description": "The person the data is about.",
                "required": ["type", "id", "name"],
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string", "description": "The record type of the person."},
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                },
            },
            "records": {
                "type": "object",
                "description": "The person's records by type: master data with contact points "
                "and custom fields, history, emails, calls, files, sales documents.",
                "required": sorted(sections),
                "properties": sections,
                "additionalProperties": {"$ref": "#/$defs/section"},
            },
            "recipients": {
                "type": "array",
                "description": "Other systems that received records of the person.",
                "items": {
                    "type": "object",
                    "required": ["kind", "name", "count", "first_at", "last_at"],
                    "properties": {
                        "kind": {"type": "string", "description": "e.g. webhook"},
                        "name": {"type": "string", "description": "The receiving address."},
                        "description": {"type": "string"},
                        "count": {"type": "integer", "minimum": 1},
                        "first_at": DATE_TIME,
                        "last_at": DATE_TIME,
                    },
                },
            },
            "retention": {
                "type": "array",
                "description": "How long Kontor keeps data of these kinds.",
                "items": {
                    "type": "object",
                    "required": ["what", "days", "setting"],
                    "additionalProperties": False,
                    "properties": {
                        "what": {"type": "string"},
                        "days": {"type": "integer", "minimum": 0},
                        "setting": {"type": "string"},
                    },
                },
            },
        },
        "$defs": {"item": ITEM, "section": _section("records of another type")},
    }
