"""Writes to organizations and contacts. The web UI, the API, the demo data and
every later import path call these functions; nothing else writes these models."""

import contextvars
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from kontor.audit.models import AuditAction
from kontor.audit.services import audit_record
from kontor.contacts import protection
from kontor.contacts.email_status import carry_over_status
from kontor.contacts.models import (
    Contact,
    ContactPointLabel,
    EmailAddress,
    LifecycleStage,
    Organization,
    PhoneNumber,
    Tag,
)
from kontor.contacts.normalization import (
    InvalidContactPoint,
    domain_from_website,
    normalize_email,
    normalize_phone,
    unstorable_text_reason,
)
from kontor.contacts.records import CONTACT, ORGANIZATION
from kontor.contacts.search import (
    add_new_contacts_to_search,
    refresh_contact_search,
    refresh_organization_contacts,
)
from kontor.contacts.selectors import parse_id, parse_uuid, visible_organizations
from kontor.core.bulk_insert import insert_new
from kontor.core.exceptions import FieldErrors, ServiceError
from kontor.core.records import record_type_for
from kontor.core.versions import check_version, claim_version
from kontor.customfields.values import clean_custom_values
from kontor.events.outbox import emit, emit_many
from kontor.sources.services import refuse_maintained_fields

User = AbstractBaseUser | AnonymousUser

# While many rows are checked at once: the organizations they link to that
# the actor may read, by id (read in one query; an id missing here is read
# on its own).
_KNOWN_ORGANIZATIONS: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "kontor_known_organizations", default=None
)


@dataclass(frozen=True)
class EmailInput:
    address: str
    label: str = ContactPointLabel.WORK


@dataclass(frozen=True)
class PhoneInput:
    number: str
    label: str = ContactPointLabel.WORK


MAX_CONTACT_POINTS = 50
# Read once: the enums' ``values`` build a new list on every call (per row of an import).
_LABELS = frozenset(ContactPointLabel.values)
_STAGES = frozenset(LifecycleStage.values)
MAX_DISPLAY_NAME = Contact._meta.get_field("display_name").max_length
MAX_TAGS = 50
NAME_FIELDS_MAX = {"first_name": 150, "last_name": 150, "name": 255, "website": 255}
CONTACT_FIELDS = frozenset(
    {"first_name", "last_name", "organization_id", "lifecycle_stage", "emails", "phones", "tags",
     "notes", "custom", "owner_id"}
)  # fmt: skip
ORGANIZATION_FIELDS = frozenset(
    {"name", "website", "lifecycle_stage", "emails", "phones", "tags", "notes", "custom",
     "owner_id"}
)  # fmt: skip


class _Changes:
    """Validated values for one write, collecting every field error before any
    row is touched, so the caller sees all problems at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.values: dict[str, Any] = {}
        self.emails: list[EmailAddress] | None = None
        self.phones: list[PhoneNumber] | None = None
        self.tags: list[str] | None = None

    def error(self, field: str, reason: str) -> None:
        self.errors.setdefault(field, []).append(reason)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)

    def text(self, field: str, value: Any) -> None:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(field, "must be text")
            return
        value = value.strip()
        limit = NAME_FIELDS_MAX.get(field)
        if limit and len(value) > limit:
            self.error(field, f"must be at most {limit} characters")
            return
        if reason := unstorable_text_reason(value):
            self.error(field, reason)
            return
        self.values[field] = value

    def lifecycle_stage(self, value: Any) -> None:
        if not isinstance(value, str) or value not in _STAGES:
            self.error("lifecycle_stage", f"must be one of: {', '.join(LifecycleStage.values)}")
        else:
            self.values["lifecycle_stage"] = value

    def owner(self, owner_id: Any) -> None:
        if owner_id is None:
            self.values["owner"] = None
            return
        pk = parse_id(owner_id)
        owner = None
        if pk is not None:
            owner = get_user_model().objects.filter(pk=pk, is_active=True).first()
        if owner is None:
            self.error("owner_id", "is not an active user")
        else:
            self.values["owner"] = owner

    def organization(self, actor: User, organization_id: Any) -> None:
        if organization_id is None:
            self.values["organization"] = None
            return
        pk = parse_uuid(organization_id)
        organization = None
        known = _KNOWN_ORGANIZATIONS.get()
        if pk is not None and known is not None and pk in known:
            organization = known[pk]
        elif pk is not None:
            organization = visible_organizations(actor).filter(pk=pk).first()
        if organization is None:
            self.error("organization_id", "is not an existing organization")
        else:
            self.values["organization"] = organization

    def contact_points(self, emails: Any, phones: Any) -> None:
        if emails is not None:
            self.emails = []
            seen: set[str] = set()
            for index, raw_item in enumerate(_as_list(self, "emails", emails)):
                field = f"emails[{index}]"
                item = _item(EmailInput, raw_item)
                if not self._label_ok(field, item.label):
                    continue
                try:
                    email = normalize_email(item.address)
                except InvalidContactPoint as exc:
                    self.error(f"{field}.address", str(exc))
                    continue
                if email.normalized in seen:  # the same address twice is one address
                    continue
                seen.add(email.normalized)
                self.emails.append(
                    EmailAddress(
                        address=email.original,
                        normalized=email.normalized,
                        domain=email.domain,
                        label=item.label,
                        position=index,
                    )
                )
        if phones is not None:
            self.phones = []
            seen_numbers: set[tuple[str, str]] = set()
            for index, raw_item in enumerate(_as_list(self, "phones", phones)):
                field = f"phones[{index}]"
                item = _item(PhoneInput, raw_item)
                if not self._label_ok(field, item.label):
                    continue
                try:
                    phone = normalize_phone(item.number)
                except InvalidContactPoint as exc:
                    self.error(f"{field}.number", str(exc))
                    continue
                if (phone.e164, phone.extension) in seen_numbers:
                    continue
                seen_numbers.add((phone.e164, phone.extension))
                self.phones.append(
                    PhoneNumber(
                        raw=phone.original,
                        e164=phone.e164,
                        digits=phone.e164.lstrip("+"),
                        extension=phone.extension,
                        label=item.label,
                        position=index,
                    )
                )

    def _label_ok(self, field: str, label: str) -> bool:
        if not isinstance(label, str) or label not in _LABELS:
            self.error(f"{field}.label", f"must be one of: {', '.join(ContactPointLabel.values)}")
            return False
        return True

    def tag_names(self, tags: Any) -> None:
        names = _as_list(self, "tags", tags)
        cleaned: list[str] = []
        for index, name in enumerate(names):
            if not isinstance(name, str) or not name.strip():
                self.error(f"tags[{index}]", "must be a non-empty text")
            elif len(name.strip()) > 64:
                self.error(f"tags[{index}]", "must be at most 64 characters")
            elif reason := unstorable_text_reason(name):
                self.error(f"tags[{index}]", reason)
            elif name.strip().casefold() not in {n.casefold() for n in cleaned}:
                cleaned.append(name.strip())
        self.tags = cleaned

    def custom(self, object_type: str, values: Any, existing: dict | None, creating: bool) -> None:
        merged, errors = clean_custom_values(
            object_type, values, existing=existing, creating=creating
        )
        for field, reasons in errors.items():
            for reason in reasons:
                self.error(field, reason)
        self.values["custom"] = merged


def _item(kind: type[EmailInput] | type[PhoneInput], value: Any) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        first_field = next(iter(kind.__dataclass_fields__))
        return kind(value.get(first_field) or "", value.get("label") or ContactPointLabel.WORK)
    if isinstance(value, str):
        return kind(value)
    return kind("")


def _as_list(changes: _Changes, field: str, value: Any) -> list:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        changes.error(field, "must be a list")
        return []
    items = list(value)
    limit = MAX_TAGS if field == "tags" else MAX_CONTACT_POINTS
    if len(items) > limit:
        changes.error(field, f"must have at most {limit} entries")
        return []
    return items


def _validate(
    data: Mapping[str, Any],
    *,
    actor: User,
    object_type: str,
    record: Contact | Organization | None,
) -> _Changes:
    changes = _Changes()
    for field in ("first_name", "last_name", "name", "website", "notes"):
        if field in data:
            changes.text(field, data[field])
    if "lifecycle_stage" in data:
        changes.lifecycle_stage(data["lifecycle_stage"])
    if "owner_id" in data:
        changes.owner(data["owner_id"])
    if "organization_id" in data:
        if _links_a_hidden_organization(actor, record):
            # Never overwrite what the writer cannot see.
            changes.error(
                "organization_id",
                "links to an organization you may not read; only someone who may read it "
                "can change the link",
            )
        else:
            changes.organization(actor, data["organization_id"])
    changes.contact_points(data.get("emails"), data.get("phones"))
    if data.get("tags") is not None:  # like emails and phones: null leaves them as they are
        changes.tag_names(data["tags"])
    if "custom" in data or record is None:
        changes.custom(
            object_type,
            data.get("custom"),
            existing=protection.current_custom_values(record),
            creating=record is None,
        )
    return changes


def _links_a_hidden_organization(actor: User, record: Contact | Organization | None) -> bool:
    organization_id = getattr(record, "organization_id", None)
    return (
        organization_id is not None
        and not visible_organizations(actor).filter(pk=organization_id).exists()
    )


def _resolved(changes: _Changes, record: Any, field: str) -> Any:
    """A field's value after the write: the new one if given, else the stored one."""
    if field in changes.values:
        return changes.values[field]
    if record is None:
        return None
    return getattr(record, field)


def _derive_contact_display_name(
    first_name: str, last_name: str, emails: list[str], phones: list[str]
) -> str:
    name = f"{first_name} {last_name}".strip()
    if len(name) > MAX_DISPLAY_NAME:
        name = name[: MAX_DISPLAY_NAME - 1].rstrip() + "…"
    return name or (emails[0] if emails else "") or (phones[0] if phones else "")


def _write_contact_points(record: Contact | Organization, changes: _Changes) -> None:
    owner = {"contact": record} if isinstance(record, Contact) else {"organization": record}
    if changes.emails is not None:
        replaced = EmailAddress.objects.filter(**owner)
        carry_over_status(replaced, changes.emails)
        replaced.delete()
        for email in changes.emails:
            setattr(email, next(iter(owner)), record)
        EmailAddress.objects.bulk_create(changes.emails)
    if changes.phones is not None:
        PhoneNumber.objects.filter(**owner).delete()
        for phone in changes.phones:
            setattr(phone, next(iter(owner)), record)
        PhoneNumber.objects.bulk_create(changes.phones)
    if changes.tags is not None:
        record.tags.set(_tags_by_name(changes.tags))


def _tags_by_name(names: list[str]) -> list[Tag]:
    """The tags of these names, whatever their case; missing ones are made.

    Two writes may make the same new tag at once: the insert skips a name
    that exists by then (ON CONFLICT DO NOTHING, which on PostgreSQL waits
    for the other transaction to end, so no IntegrityError breaks the write),
    and the tag is read again, whoever made it."""
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            Tag.objects.bulk_create([Tag(name=name)], ignore_conflicts=True)
            tag = Tag.objects.filter(name__iexact=name).first()
        tags.append(tag)
    return tags


# Service fields of model attributes whose names differ; derived ones have none.
_DATA_KEY = {"organization": "organization_id", "owner": "owner_id", "display_name": None,
             "domain": None}  # fmt: skip


def _changed_fields(
    record: Contact | Organization, changes: _Changes, values: Mapping[str, Any]
) -> set[str]:
    """The service fields whose values a write of ``values`` (model fields)
    and ``changes``' lists would change, including derived model fields
    (``display_name``, ``domain``) under their own names."""
    changed = set()
    for field, value in values.items():
        key = _DATA_KEY.get(field, field) or field
        if field == "custom":
            if value != protection.current_custom_values(record):
                changed.add(key)
        elif record._meta.get_field(field).is_relation:
            if getattr(record, f"{field}_id") != (value.pk if value is not None else None):
                changed.add(key)
        elif getattr(record, field) != value:
            changed.add(key)
    if changes.emails is not None and [(e.address, e.label) for e in changes.emails] != [
        (e.address, e.label) for e in record.emails.all()
    ]:
        changed.add("emails")
    if changes.phones is not None and [(p.raw, p.label) for p in changes.phones] != [
        (p.raw, p.label) for p in record.phones.all()
    ]:
        changed.add("phones")
    # Tags are found by name whatever the case: "vip" is the stored "VIP".
    if changes.tags is not None and sorted(t.casefold() for t in changes.tags) != sorted(
        t.name.casefold() for t in record.tags.all()
    ):
        changed.add("tags")
    return changed


def _changes_nothing(
    record: Contact | Organization, changes: _Changes, values: Mapping[str, Any]
) -> bool:
    """Would a write of ``values`` (model fields) and ``changes``' lists leave
    ``record`` as it is? Then it writes nothing: no new version, no audit
    entry. A change of a field an outside source maintains (an ERP) is
    refused (kontor.sources)."""
    changed = _changed_fields(record, changes, values)
    refuse_maintained_fields(record_type_for(record).key, record.pk, changed)
    return not changed


def _unknown_fields(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise FieldErrors({field: ["is not a field of this record"] for field in unknown})


# Contacts ----------------------------------------------------------------------


def _contact_display_name(changes: _Changes, contact: Contact | None) -> str:
    first = _resolved(changes, contact, "first_name") or ""
    last = _resolved(changes, contact, "last_name") or ""
    if changes.emails is not None:
        emails = [e.address for e in changes.emails]
    else:
        emails = [e.address for e in contact.emails.all()] if contact else []
    if changes.phones is not None:
        phones = [p.raw for p in changes.phones]
    else:
        phones = [p.raw for p in contact.phones.all()] if contact else []
    return _derive_contact_display_name(first, last, emails, phones)


def contact_create(*, actor: User, data: Mapping[str, Any]) -> Contact:
    """Create a contact from whatever is known: a name, an email address or a
    phone number is enough ("dirty CRM")."""
    prepared = _prepare_contact(actor, data)
    with transaction.atomic():
        _insert(actor, [prepared])
    return prepared[0]


def contacts_create_many(
    *, actor: User, rows: Sequence[Mapping[str, Any]]
) -> list[Contact | ServiceError]:
    """``contact_create`` for many rows at once (the ERP sync): each row is
    checked as one, the valid ones are written together in a few INSERTs.
    Returns per row the contact or the error that refused it."""
    return _create_many(actor, rows, _prepare_contact)


def _prepare_contact(actor: User, data: Mapping[str, Any]) -> tuple[Contact, _Changes]:
    """A new contact checked and ready to be written (not saved yet)."""
    _unknown_fields(data, CONTACT_FIELDS)
    protection.check_create(actor, "contact", data)
    changes = _validate(data, actor=actor, object_type=CONTACT.key, record=None)
    changes.raise_if_invalid()
    display_name = _contact_display_name(changes, None)
    if not display_name:
        raise FieldErrors.single(
            "__all__", "Give at least a first or last name, an email address or a phone number."
        )
    values = dict(changes.values)
    values.setdefault("owner", actor if actor.is_authenticated else None)
    protection.check_owner(actor, "contact", values["owner"])
    custom = values.pop("custom", {})
    contact = Contact(display_name=display_name, **values)
    protection.store_custom(contact, custom)
    return contact, changes


def _create_many(actor: User, rows: Sequence[Mapping[str, Any]], prepare: Any) -> list:
    outcomes: list[Any] = []
    token = _KNOWN_ORGANIZATIONS.set(_organizations_named(actor, rows))
    try:
        for data in rows:
            try:
                outcomes.append(prepare(actor, data))
            except ServiceError as exc:
                outcomes.append(exc)
    finally:
        _KNOWN_ORGANIZATIONS.reset(token)
    prepared = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    if prepared:
        with transaction.atomic():
            _insert(actor, prepared)
    return [outcome[0] if isinstance(outcome, tuple) else outcome for outcome in outcomes]


def _organizations_named(actor: User, rows: Sequence[Mapping[str, Any]]) -> dict[Any, Any]:
    """The organizations the rows link to that the actor may read, in one
    query for the lot (``_Changes.organization`` asks it before the database)."""
    ids = {parse_uuid(row.get("organization_id")) for row in rows if isinstance(row, Mapping)}
    ids.discard(None)
    if not ids:
        return {}
    return {o.pk: o for o in visible_organizations(actor).filter(pk__in=ids)}


def _insert(actor: User, prepared: Sequence[tuple[Contact | Organization, _Changes]]) -> None:
    """Write new records of one model with their lists, audit entries and
    events: a few INSERTs however many (inside the caller's transaction)."""
    records = [record for record, _changes in prepared]
    model = type(records[0])
    owner = "contact" if model is Contact else "organization"
    insert_new(model, records)
    emails, phones = [], []
    for record, changes in prepared:
        for point in changes.emails or []:
            setattr(point, owner, record)
            emails.append(point)
        for point in changes.phones or []:
            setattr(point, owner, record)
            phones.append(point)
        if changes.tags is not None:
            record.tags.set(_tags_by_name(changes.tags))
    insert_new(EmailAddress, emails)
    insert_new(PhoneNumber, phones)
    if model is Contact:
        points = {
            record.pk: (changes.emails or (), changes.phones or ()) for record, changes in prepared
        }
        add_new_contacts_to_search(records, points)
    protection.audit_created(
        actor, ((record, _after(record, changes, new=True)) for record, changes in prepared)
    )
    emit_many(f"{owner}.created", records)


def contact_update(
    *,
    actor: User,
    contact: Contact,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Contact:
    """Change the given fields; lists (emails, phones, tags) are replaced whole.
    With ``expected_version``, a contact changed meanwhile raises VersionConflict."""
    protection.check_update(actor, contact, data)
    _unknown_fields(data, CONTACT_FIELDS)
    changes = _validate(data, actor=actor, object_type=CONTACT.key, record=contact)
    changes.raise_if_invalid()
    if "owner" in changes.values:
        protection.check_owner(actor, "contact", changes.values["owner"], current=contact.owner)
    display_name = _contact_display_name(changes, contact)
    if not display_name:
        raise FieldErrors.single(
            "__all__", "A contact needs at least a name, an email address or a phone number."
        )
    values = {**changes.values, "display_name": display_name}
    if _changes_nothing(contact, changes, values):
        check_version(contact, expected_version)
        return contact
    before = protection.snapshot(contact)
    with transaction.atomic():
        claim_version(contact, expected_version)
        custom = values.pop("custom", None)
        for field, value in values.items():
            setattr(contact, field, value)
        update_fields = [*values, "updated_at"]
        if custom is not None:
            update_fields += protection.store_custom(contact, custom)
        contact.save(update_fields=update_fields)
        _write_contact_points(contact, changes)
        refresh_contact_search([contact.pk])
        protection.audit_write(actor, AuditAction.UPDATE, contact, before, _after(contact, changes))
        emit("contact.updated", contact)
    return contact


def contact_delete(*, actor: User, contact: Contact, expected_version: int | None = None) -> None:
    """With ``expected_version``, a contact changed meanwhile raises
    VersionConflict and stays."""
    protection.check_delete(actor, contact)
    before = protection.snapshot(contact)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(contact, expected_version)
        protection.audit_write(actor, AuditAction.DELETE, contact, before, {})
        emit("contact.deleted", contact)
        protection.forget_shares(contact)
        contact.delete()


def _after(
    record: Contact | Organization, changes: _Changes, *, new: bool = False
) -> dict[str, Any]:
    """The audited values after a write, from what it wrote (the record's
    prefetched lists are stale by then; a ``new`` record has no others)."""
    empty = [] if new else None
    return protection.snapshot(
        record,
        emails=changes.emails if changes.emails is not None else empty,
        phones=changes.phones if changes.phones is not None else empty,
        tags=changes.tags if changes.tags is not None else empty,
    )


# Organizations -----------------------------------------------------------------


def _organization_name(changes: _Changes, organization: Organization | None) -> str:
    name = _resolved(changes, organization, "name") or ""
    if name:
        return name
    website = _resolved(changes, organization, "website") or ""
    if domain := domain_from_website(website):
        return domain
    if changes.emails:
        return changes.emails[0].domain
    return ""


def organization_create(*, actor: User, data: Mapping[str, Any]) -> Organization:
    """Create an organization from a name, or only a website or email address
    (its domain becomes the name until someone types a better one)."""
    prepared = _prepare_organization(actor, data)
    with transaction.atomic():
        _insert(actor, [prepared])
    return prepared[0]


def organizations_create_many(
    *, actor: User, rows: Sequence[Mapping[str, Any]]
) -> list[Organization | ServiceError]:
    """``organization_create`` for many rows at once (the ERP sync); see
    ``contacts_create_many``."""
    return _create_many(actor, rows, _prepare_organization)


def _prepare_organization(actor: User, data: Mapping[str, Any]) -> tuple[Organization, _Changes]:
    """A new organization checked and ready to be written (not saved yet)."""
    _unknown_fields(data, ORGANIZATION_FIELDS)
    protection.check_create(actor, "organization", data)
    changes = _validate(data, actor=actor, object_type=ORGANIZATION.key, record=None)
    changes.raise_if_invalid()
    name = _organization_name(changes, None)
    if not name:
        raise FieldErrors.single("name", "Give a name, a website or an email address.")
    values = {**changes.values, "name": name}
    values.setdefault("owner", actor if actor.is_authenticated else None)
    protection.check_owner(actor, "organization", values["owner"])
    values["domain"] = domain_from_website(values.get("website", ""))
    custom = values.pop("custom", {})
    organization = Organization(**values)
    protection.store_custom(organization, custom)
    return organization, changes


def organization_update(
    *,
    actor: User,
    organization: Organization,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Organization:
    protection.check_update(actor, organization, data)
    _unknown_fields(data, ORGANIZATION_FIELDS)
    changes = _validate(data, actor=actor, object_type=ORGANIZATION.key, record=organization)
    changes.raise_if_invalid()
    if "owner" in changes.values:
        protection.check_owner(
            actor, "organization", changes.values["owner"], current=organization.owner
        )
    name = _organization_name(changes, organization)
    if not name:
        raise FieldErrors.single("name", "An organization needs a name.")
    values = {**changes.values, "name": name}
    if "website" in values:
        values["domain"] = domain_from_website(values["website"])
    if _changes_nothing(organization, changes, values):
        check_version(organization, expected_version)
        return organization
    before = protection.snapshot(organization)
    searched_for = (organization.name, organization.owner_id)
    with transaction.atomic():
        claim_version(organization, expected_version)
        custom = values.pop("custom", None)
        for field, value in values.items():
            setattr(organization, field, value)
        update_fields = [*values, "updated_at"]
        if custom is not None:
            update_fields += protection.store_custom(organization, custom)
        organization.save(update_fields=update_fields)
        _write_contact_points(organization, changes)
        if (organization.name, organization.owner_id) != searched_for:
            refresh_organization_contacts([organization.pk])
        protection.audit_write(
            actor, AuditAction.UPDATE, organization, before, _after(organization, changes)
        )
        emit("organization.updated", organization)
    return organization


def organization_delete(
    *, actor: User, organization: Organization, expected_version: int | None = None
) -> None:
    """With ``expected_version``, an organization changed meanwhile raises
    VersionConflict and stays."""
    protection.check_delete(actor, organization)
    before = protection.snapshot(organization)
    with transaction.atomic():
        if expected_version is not None:
            claim_version(organization, expected_version)
        protection.audit_write(actor, AuditAction.DELETE, organization, before, {})
        emit("organization.deleted", organization)
        protection.forget_shares(organization)
        contacts = list(organization.contacts.values_list("pk", flat=True))
        organization.delete()
        refresh_contact_search(contacts)


# Archiving ----------------------------------------------------------------------


def _set_archived(actor: User, record: Contact | Organization, archived: bool) -> bool:
    """Archive (it needs the right to delete) or restore (to edit) a record;
    False if it was so already."""
    if archived:
        protection.check_delete(actor, record)
    else:
        protection.check_update(actor, record, {})
    if (record.archived_at is not None) == archived:
        return False
    key = record_type_for(record).key
    before = record.archived_at
    with transaction.atomic():
        claim_version(record, None)
        record.archived_at = timezone.now() if archived else None
        record.save(update_fields=["archived_at", "updated_at"])
        if isinstance(record, Contact):
            refresh_contact_search([record.pk])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            record=record,
            changes={"archived_at": [before, record.archived_at]},
        )
        emit(f"{key}.archived" if archived else f"{key}.updated", record)
    return True


def contact_archive(*, actor: User, contact: Contact, archived: bool = True) -> bool:
    """Hide a contact from lists and search, keeping it and its history
    (``archived=False`` brings it back). False if nothing changed."""
    return _set_archived(actor, contact, archived)


def organization_archive(*, actor: User, organization: Organization, archived: bool = True) -> bool:
    """Hide an organization from lists and search, keeping it and its
    history (``archived=False`` brings it back). False if nothing changed."""
    return _set_archived(actor, organization, archived)
