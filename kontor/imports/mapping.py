"""Which column feeds which field: the targets a column may map to, the
mapping guessed from German and English headers, and one row turned into
the data the contacts services take.

A mapping is ``{column header: target}``. Targets: ``first_name``,
``last_name``, ``name`` (contacts: a full name, split at its last space;
organizations: the name), ``email``, ``phone``, ``mobile``, ``fax``,
``phone_private``, ``organization`` (contacts: by name), ``organization_domain``,
``organization_external_id``, ``website``, ``notes``, ``lifecycle_stage``,
``tags``, ``external_id``, ``custom.<key>`` and ``ignore``. Several columns
may feed one list target (emails, phones, tags); several columns feeding
``notes`` are kept as "Column: value" lines, so address parts, positions and
the like are kept even when no custom field holds them."""

import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from kontor.contacts.models import ContactPointLabel, LifecycleStage
from kontor.customfields.models import CustomFieldDefinition, CustomFieldType
from kontor.customfields.selectors import definitions_for

IGNORE = "ignore"
CUSTOM_PREFIX = "custom."
OBJECT_TYPE = {"contacts": "contact", "organizations": "organization"}

_COMMON_TARGETS = {
    "email": _("Email address"),
    "phone": _("Phone (work)"),
    "mobile": _("Mobile"),
    "phone_private": _("Phone (private)"),
    "fax": _("Fax"),
    "notes": _("Notes"),
    "lifecycle_stage": _("Lifecycle stage"),
    "tags": _("Tags"),
    "external_id": _("External id"),
}
TARGETS = {
    "contacts": {
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "name": _("Full name"),
        **_COMMON_TARGETS,
        "organization": _("Organization (by name)"),
        "organization_domain": _("Organization (by domain)"),
        "organization_external_id": _("Organization (by external id)"),
    },
    "organizations": {
        "name": _("Name"),
        "website": _("Website"),
        **_COMMON_TARGETS,
    },
}
_PHONE_LABELS = {
    "phone": ContactPointLabel.WORK,
    "mobile": ContactPointLabel.MOBILE,
    "phone_private": ContactPointLabel.PRIVATE,
    "fax": ContactPointLabel.FAX,
}

# Headers as they come from German and English spreadsheets, Outlook,
# Google Contacts and other CRMs, in their normalized form (``_key``).
_GUESSES = {
    "first_name": ["vorname", "firstname", "givenname", "first", "forename", "rufname"],
    "last_name": ["nachname", "lastname", "surname", "familyname", "familienname", "last"],
    "name": ["name", "fullname", "vollername", "anzeigename", "displayname", "kontakt",
             "kontaktname", "contactname"],
    "email": ["email", "emailaddress", "emailadresse", "mail", "email1", "email2", "email3",
              "email2address", "email3address", "email1value", "email2value", "emailgeschaeftlich",
              "emailprivat", "ehmail", "mailadresse"],
    "phone": ["telefon", "phone", "tel", "telephone", "telefonnummer", "phonenumber",
              "businessphone", "telefongeschaeftlich", "geschaeftlich", "festnetz", "workphone",
              "phone1value", "telefonbuero", "rufnummer"],
    "mobile": ["mobil", "mobile", "handy", "mobiltelefon", "mobilephone", "cell", "cellphone",
               "mobilnummer", "handynummer", "phone2value"],
    "phone_private": ["telefonprivat", "homephone", "privat", "privatephone", "phonehome"],
    "fax": ["fax", "telefax", "faxnummer", "businessfax", "faxgeschaeftlich"],
    "organization": ["firma", "company", "organisation", "organization", "unternehmen",
                     "account", "accountname", "organizationname", "organisationname",
                     "arbeitgeber", "organization1name", "firmenname", "companyname"],
    "organization_domain": ["firmendomain", "companydomain", "organizationdomain"],
    "organization_external_id": ["firmaid", "companyid", "accountid", "organizationexternalid",
                                 "firmenid", "organisationid"],
    "website": ["website", "webseite", "homepage", "url", "web", "internet", "webpage",
                "internetseite"],
    "notes": ["notiz", "notizen", "notes", "note", "bemerkung", "bemerkungen", "kommentar",
              "comment", "comments", "beschreibung", "description", "anmerkung", "anmerkungen"],
    "lifecycle_stage": ["lifecyclestage", "lifecycle", "lebenszyklus", "phase"],
    "tags": ["tags", "tag", "schlagworte", "schlagwoerter", "labels", "categories", "kategorien",
             "grouplabels"],
    "external_id": ["externalid", "externeid", "legacyid", "crmid", "altid", "id"],
}  # fmt: skip
_GUESS = {key: target for target, keys in _GUESSES.items() for key in keys}
# Kept as notes lines when no custom field of that label exists.
_NOTE_HEADERS = {
    "strasse", "street", "adresse", "address", "anschrift", "hausnummer", "plz", "zip",
    "zipcode", "postleitzahl", "postalcode", "postcode", "ort", "stadt", "city", "land",
    "country", "bundesland", "state", "region", "position", "title", "titel", "jobtitle",
    "funktion", "abteilung", "department", "anrede", "salutation", "geburtstag", "birthday",
    "businessstreet", "businesscity", "businesspostalcode", "businesscountry",
    "businesscountryregion", "address1formatted", "organization1title", "strassegeschaeftlich",
    "ortgeschaeftlich", "postleitzahlgeschaeftlich", "landgeschaeftlich", "website", "webseite",
    "homepage", "url", "web", "internet",
}  # fmt: skip


def _key(header: str) -> str:
    """``"E-Mail-Adresse "`` → ``emailadresse``; ``"Straße"`` → ``strasse``."""
    text = str(header).strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


def target_choices(record_type: str) -> list[tuple[str, str]]:
    """Every target of ``record_type`` with its label, custom fields included."""
    choices = [(IGNORE, str(_("(do not import)")))]
    choices += [(target, str(label)) for target, label in TARGETS[record_type].items()]
    for definition in definitions_for(OBJECT_TYPE[record_type]):
        choices.append((f"{CUSTOM_PREFIX}{definition.key}", definition.label))
    return choices


def guess(record_type: str, headers: Iterable[str]) -> dict[str, str]:
    """A target for every header: a custom field whose label or key matches,
    else a known German or English header, else notes for address parts and
    positions, else ignore."""
    custom = {}
    for definition in definitions_for(OBJECT_TYPE[record_type]):
        custom.setdefault(_key(definition.label), definition.key)
        custom.setdefault(_key(definition.key), definition.key)
    known = TARGETS[record_type]
    mapping = {}
    for header in headers:
        key = _key(header)
        target = IGNORE
        if key in custom:
            target = f"{CUSTOM_PREFIX}{custom[key]}"
        elif record_type == "organizations" and _GUESS.get(key) == "organization":
            target = "name"
        elif (guessed := _GUESS.get(key) or _GUESS.get(key.rstrip("0123456789"))) in known:
            target = guessed
        elif key.startswith(("email", "mail")) and "email" in known:
            target = "email"
        elif key in _NOTE_HEADERS or key.rstrip("0123456789") in _NOTE_HEADERS:
            target = "notes"
        mapping[header] = target
    return mapping


def check(record_type: str, headers: list[str], columns: Any) -> dict[str, list[str]]:
    """Field errors of a mapping given by a client (``{header: target}``)."""
    if not isinstance(columns, dict):
        return {"mapping": ["must be an object of column headers and targets"]}
    allowed = {target for target, _label in target_choices(record_type)}
    errors: dict[str, list[str]] = {}
    for header, target in columns.items():
        if header not in headers:
            errors[f"mapping.{header}"] = ["is not a column of the file"]
        elif target is not None and target not in allowed:
            errors[f"mapping.{header}"] = [f"is not a target (known: {', '.join(sorted(allowed))})"]
    return errors


def complete(record_type: str, headers: list[str], columns: Mapping[str, Any]) -> dict[str, str]:
    """The given mapping, the guess for the columns it does not name."""
    mapping = guess(record_type, headers)
    mapping.update({header: target or IGNORE for header, target in columns.items()})
    return mapping


# Rows → service data -------------------------------------------------------------


@dataclass
class RowData:
    """What one row gives: the service data, how to find an existing record,
    and which column each email/phone came from (for the reasons)."""

    data: dict[str, Any] = field(default_factory=dict)
    external_id: str = ""
    organization: dict[str, str] = field(default_factory=dict)  # by → value
    sources: dict[str, str] = field(default_factory=dict)  # service field → column
    errors: dict[str, list[str]] = field(default_factory=dict)


def text_of(cell: Any) -> str:
    if type(cell) is str:  # every cell of a CSV file
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, list):
        return "; ".join(text_of(item) for item in cell)
    if isinstance(cell, datetime.datetime | datetime.date):
        return cell.isoformat()
    return str(cell).strip()


def _items(cell: Any) -> list[str]:
    if isinstance(cell, list):
        return [text_of(item) for item in cell if text_of(item)]
    text = text_of(cell)
    return [text] if text else []


_STAGES = {
    **{_key(value): value for value in LifecycleStage.values},
    **{_key(str(label)): value for value, label in LifecycleStage.choices},
    "interessent": LifecycleStage.PROSPECT, "kunde": LifecycleStage.CUSTOMER,
    "ehemaligerkunde": LifecycleStage.FORMER, "exkunde": LifecycleStage.FORMER,
    "former": LifecycleStage.FORMER,
}  # fmt: skip
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
_GERMAN_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+,\d+$")
_TRUE = {"1", "x", "ja", "j", "yes", "y", "true", "wahr"}
_FALSE = {"0", "nein", "n", "no", "false", "falsch"}


def custom_value(definition: CustomFieldDefinition, cell: Any) -> Any:
    """A cell as the custom field's type expects it: decimal commas and
    thousands points of German spreadsheets, German dates (31.12.2024) and
    spreadsheet dates, ja/nein. What cannot be read is passed on as text,
    so the field's own check names the problem."""
    kind = definition.field_type
    if isinstance(cell, list):
        cell = text_of(cell)
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if kind == CustomFieldType.NUMBER:
        if isinstance(cell, str) and _GERMAN_NUMBER.match(cell.strip()):
            return cell.strip().replace(".", "").replace(",", ".")
        return cell if isinstance(cell, int | float) else text_of(cell)
    if kind == CustomFieldType.DATE:
        if isinstance(cell, datetime.datetime):
            return cell.date().isoformat()
        if isinstance(cell, datetime.date):
            return cell.isoformat()
        text = text_of(cell)
        if match := _GERMAN_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            year += 2000 if year < 100 else 0
            return f"{year:04d}-{month:02d}-{day:02d}"
        return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    if kind == CustomFieldType.BOOLEAN:
        text = text_of(cell).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return text
    if kind == CustomFieldType.CHOICE:
        text = text_of(cell)
        for choice in definition.choices:
            if str(choice) == text or (isinstance(choice, str) and choice.lower() == text.lower()):
                return choice
        return text
    return text_of(cell)


def _decimal_text(cell: Any) -> str:
    """Spreadsheet numbers in a text field keep their digits (no ``.0``)."""
    if isinstance(cell, float):
        try:
            return format(Decimal(str(cell)).normalize(), "f")
        except InvalidOperation:
            return str(cell)
    return text_of(cell)


def row_data(
    record_type: str,
    headers: list[str],
    mapping: Mapping[str, str],
    row: list[Any],
    definitions: Mapping[str, CustomFieldDefinition],
) -> RowData:
    result = RowData()
    data = result.data
    notes: list[tuple[str, str]] = []
    emails: list[tuple[str, str]] = []
    phones: list[tuple[str, str, str]] = []
    tags: list[str] = []
    custom: dict[str, Any] = {}
    if len(row) > len(headers) and any(text_of(cell) for cell in row[len(headers) :]):
        result.errors["__all__"] = [
            f"has {len(row)} cells, but the header names only {len(headers)} columns"
        ]
        return result
    for header, cell in zip(headers, row, strict=False):
        target = mapping.get(header, IGNORE)
        if target == IGNORE:
            continue
        if target == "email":
            emails += [(item, header) for item in _items(cell)]
        elif target in _PHONE_LABELS:
            phones += [
                (_decimal_text(item), _PHONE_LABELS[target], header) for item in _items(cell)
            ]
        elif target == "notes":
            if text := text_of(cell):
                notes.append((header, text))
        elif target == "tags":
            tags += [
                t.strip() for item in _items(cell) for t in re.split(r"[,;]", item) if t.strip()
            ]
        elif target == "lifecycle_stage":
            if text := text_of(cell):
                data["lifecycle_stage"] = _STAGES.get(_key(text), text)
        elif target.startswith(CUSTOM_PREFIX):
            key = target.removeprefix(CUSTOM_PREFIX)
            if key in definitions:
                value = custom_value(definitions[key], cell)
                if value is not None:
                    custom[key] = value
        elif target == "external_id":
            result.external_id = text_of(cell)
        elif target.startswith("organization") and record_type == "contacts":
            if text := text_of(cell):
                result.organization[target.removeprefix("organization").lstrip("_") or "name"] = (
                    text
                )
        elif target == "name" and record_type == "contacts":
            if (text := text_of(cell)) and not data.get("first_name") and not data.get("last_name"):
                first, _space, last = text.rpartition(" ")
                data["first_name"], data["last_name"] = first.strip(), last.strip()
        elif target in ("first_name", "last_name", "name", "website") and (
            text := _decimal_text(cell)
        ):
            data[target] = text
    if emails:
        data["emails"] = [{"address": address} for address, _header in emails]
        result.sources.update({f"emails[{i}]": h for i, (_a, h) in enumerate(emails)})
    if phones:
        data["phones"] = [{"number": number, "label": label} for number, label, _h in phones]
        result.sources.update({f"phones[{i}]": h for i, (_n, _l, h) in enumerate(phones)})
    if tags:
        data["tags"] = tags
    if custom:
        data["custom"] = custom
    if notes:
        data["notes"] = (
            notes[0][1]
            if len(notes) == 1 and _key(notes[0][0]) in _GUESSES["notes"]
            else "\n".join(f"{header}: {text}" for header, text in notes)
        )
    return result
