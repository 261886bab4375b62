"""Everything Kontor holds about a person, gathered through the record
registry (kontor.core.records): every record type and every holder with
personal data linked to the person's type, rendered as the data protection
officer reads it, with the stored files that belong to them; who received
those records (the registered recipient readers) and how long what is
kept."""

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from kontor.core.records import PersonalData, personal_data_holders, recipient_readers, record_types
from kontor.privacy.models import DataSubjectRequest
from kontor.privacy.subjects import person_type

FORMAT = "kontor.data-subject-export"
VERSION = 1

# How long Kontor keeps what (settings), for the export's retention section.
RETENTION: tuple[tuple[Promise, str], ...] = (
    (_("Audit trail entries"), "KONTOR_AUDIT_RETENTION_DAYS"),
    (
        _("Audit entries of reads of financial and special data"),
        "KONTOR_AUDIT_SENSITIVE_READ_RETENTION_DAYS",
    ),
    (
        _("Webhook deliveries (what was sent to other systems)"),
        "KONTOR_WEBHOOK_DELIVERY_RETENTION_DAYS",
    ),
)


@dataclass(frozen=True)
class Holder:
    """A registered record type or holder with personal data."""

    key: str
    label: Promise | str
    label_plural: Promise | str
    model: str
    personal_data: PersonalData
    serialize: str


def holders() -> list[Holder]:
    found = [
        Holder(k.key, k.label, k.label_plural, k.model, k.personal_data, k.serialize)
        for k in record_types()
        if k.personal_data is not None
    ]
    found += [
        Holder(h.key, h.label, h.label_plural, h.model, h.personal_data, h.serialize)
        for h in personal_data_holders()
    ]
    return found


@dataclass
class StoredFile:
    path: str  # in the archive
    content: FieldFile | bytes  # a stored file, or the bytes of a binary field


@dataclass
class Section:
    key: str
    label: Promise | str
    label_plural: Promise | str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Collected:
    data: dict[str, Any]
    sections: list[Section]
    files: list[StoredFile]
    recipients: list[dict[str, Any]]


def _target(model: type[models.Model], path: str) -> type[models.Model] | None:
    for name in path.split("__"):
        try:
            related = model._meta.get_field(name).related_model
        except Exception:
            return None
        if related is None or isinstance(related, str):
            return None
        model = related
    return model


def _record_ids(model: type[models.Model], links: tuple[str, ...], person: models.Model) -> set:
    person_model = type(person)
    ids = set()
    for link in links:
        if link == "":
            if model is person_model:
                ids.add(person.pk)
            continue
        if _target(model, link) is not person_model:
            continue
        ids.update(
            model._default_manager.filter(**{link: person.pk})
            .order_by()
            .values_list("pk", flat=True)
        )
    return ids


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _plain(record: models.Model) -> dict[str, Any]:
    """A record's stored values, when its type renders none for the reader."""
    values = model_to_dict(record)
    values["id"] = record.pk
    return {key: value for key, value in values.items() if not isinstance(value, FieldFile)}


def _render(holder: Holder, record: models.Model, actor: Any) -> dict[str, Any]:
    rendered = import_string(holder.serialize)(record, actor) if holder.serialize else None
    return _json_safe(rendered if rendered is not None else _plain(record))


def _files(holder: Holder, record: models.Model) -> list[StoredFile]:
    stored = []
    for name in holder.personal_data.files:
        content = getattr(record, name, None)
        if isinstance(content, bytes | memoryview | bytearray):
            if content:
                stored.append(
                    StoredFile(f"files/{holder.key}/{record.pk}/{name}/{name}", bytes(content))
                )
        elif content:
            base = posixpath.basename(content.name) or name
            stored.append(StoredFile(f"files/{holder.key}/{record.pk}/{name}/{base}", content))
    return stored


def retention() -> list[dict[str, Any]]:
    return [
        {"what": str(what), "days": getattr(settings, setting), "setting": setting}
        for what, setting in RETENTION
        if hasattr(settings, setting)
    ]


def collect(*, actor: Any, request: DataSubjectRequest, person: models.Model) -> Collected:
    sections: list[Section] = []
    files: list[StoredFile] = []
    exported: dict[str, list[str]] = {}
    for holder in holders():
        model = apps.get_model(holder.model)
        ids = _record_ids(model, holder.personal_data.links, person)
        section = Section(holder.key, holder.label, holder.label_plural)
        records = model._default_manager.filter(pk__in=ids).order_by("pk") if ids else []
        for record in records:
            stored = _files(holder, record)
            files += stored
            section.items.append(
                {
                    "id": str(record.pk),
                    "data": _render(holder, record, actor),
                    "files": [f.path for f in stored],
                }
            )
        exported[model._meta.label] = [str(pk) for pk in ids]
        sections.append(section)
    recipients = []
    for reader in recipient_readers():
        recipients += _json_safe(import_string(reader)(exported))
    kind = person_type()
    data = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": _json_safe(timezone.now()),
        "request": {
            "id": str(request.pk),
            "type": request.type,
            "received_on": request.received_on.isoformat(),
            "deadline": request.deadline.isoformat(),
        },
        "person": {"type": kind.key, "id": str(person.pk), "name": str(person)},
        "records": {
            section.key: {"label": str(section.label_plural), "items": section.items}
            for section in sections
        },
        "recipients": recipients,
        "retention": retention(),
    }
    return Collected(data, sections, files, recipients)
