"""The registry of record types: the one place where a kind of record
(contact, organization, activity, file, and every later one) tells the
generic layers what they need to know about it.

Each domain app describes its own types and registers them in its
``AppConfig.ready()``; access rules, field categories, the audit trail,
custom fields and every later generic layer (events, data protection,
merge, the warehouse export) loop over the registry and never import a
domain app. A new record type is one app plus one registration.

``tests/core/test_records.py`` walks every registered type and fails when
one lacks what a generic layer needs."""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """How sensitive a field's values are. Financial and special values are
    stored encrypted and every read of them is recorded in the audit trail."""

    STANDARD = "standard", _("standard")
    PERSONAL = "personal", _("personal")
    # Credit information, payment behaviour, open items.
    FINANCIAL = "financial", _("financial")
    # Special categories of GDPR Art. 9 (health, religion, union membership, …)
    # and Art. 10 (criminal convictions and offences).
    SPECIAL = "special", _("special (Art. 9/10 GDPR)")


CATEGORIES: tuple[str, ...] = tuple(Category.values)
SENSITIVE_CATEGORIES = frozenset({Category.FINANCIAL, Category.SPECIAL})
STANDARD_OR_PERSONAL = (Category.STANDARD, Category.PERSONAL)


@dataclass(frozen=True)
class FieldSpec:
    """A built-in field. ``key`` names it in service data and in the API;
    ``output_keys`` are the keys of API answers that carry its value (and
    go with it when it is hidden), e.g. a contact's name is ``first_name``,
    ``last_name`` and ``display_name``. ``categories`` are the categories an
    administrator may give it: fields that are searched or matched by an
    index cannot be encrypted, so they stay standard or personal."""

    key: str
    label: Promise | str
    category: str = Category.STANDARD
    categories: tuple[str, ...] = (Category.STANDARD,)
    output_keys: tuple[str, ...] = ()

    @property
    def keys_in_output(self) -> tuple[str, ...]:
        return self.output_keys or (self.key,)

    @property
    def fixed(self) -> bool:
        return len(self.categories) == 1


@dataclass(frozen=True)
class SearchSpec:
    """What the global search looks at: the record's model fields (ORM
    paths) that hold its words."""

    fields: tuple[str, ...]


@dataclass(frozen=True)
class PersonalData:
    """Where a type holds data about a person, for access / portability
    exports and erasure (GDPR Art. 15, 17, 20): ``links`` are the ORM paths
    to the contact or organization the record is about ("" for the person's
    own record); ``erase`` is the dotted path of the handler that removes a
    person from this type. ``files``: the record's file fields (or binary
    fields) whose content belongs to the person's export (an attachment, a
    raw message).
    ``find``: on the type that is the person, the dotted path of
    ``(email=None, phone=None) -> list[record]``: every record with that
    address or number, whoever owns it (the data protection officer finds a
    requesting person).
    ``erase``: the dotted path of ``(erasure: kontor.core.erasure.Erasure)
    -> None`` that removes the person from this type (or strips and keeps
    what the law makes it keep); handlers run by ``erase_order``, lowest
    first (a raw message goes before its activity); the person's own type
    always goes last. ``identifiers`` (on the person's type): the dotted path of
    ``(person) -> kontor.core.erasure.Identifiers``. ``restrict`` (on the
    person's type): the dotted path of ``(*, actor, person, restricted:
    bool) -> bool`` that restricts the processing of the person (GDPR
    Art. 18) or lifts it (False: it was so already); the type's
    ``restricted_by`` names the field it sets."""

    links: tuple[str, ...]
    erase: str = ""
    files: tuple[str, ...] = ()
    find: str = ""
    erase_order: int = 50
    identifiers: str = ""
    restrict: str = ""


@dataclass(frozen=True)
class RetentionDefault:
    """A retention rule Kontor proposes for a type: ``months`` after the
    type's starting point, for ``category`` ("" for every record of the type),
    on ``legal_ground``."""

    months: int
    legal_ground: str
    category: str = ""


@dataclass(frozen=True)
class RetentionSpec:
    """How retention rules reach this type.

    ``expired`` is the dotted path of ``(cutoff: datetime.date) -> QuerySet``:
    the records whose period ended when a rule's period, counted back from
    today, gives ``cutoff`` (contacts without any interaction since then;
    invoices of a year that ended before it). ``counted_from`` says in words
    where the period starts. ``category_field``: the field whose value
    ``categories`` (``(value, label)`` pairs) a rule may be limited to.
    ``erase``: the dotted path of ``(*, actor, documents: list) -> list of ids``
    that deletes expired records through the type's own services; the type
    that is the person (``PersonalData.find``) has none: its records go
    through the person erasure with everything
    about them. ``defaults``: the rules an installation starts with."""

    expired: str
    counted_from: Promise | str
    erase: str = ""
    category_field: str = ""
    categories: tuple[tuple[str, Promise | str], ...] = ()
    defaults: tuple[RetentionDefault, ...] = ()


@dataclass(frozen=True)
class PersonalDataHolder:
    """A model that holds data about a person without being a record type
    of its own (a received email's raw message, a call as the phone system
    reported it): the data protection layer exports it with the types.
    ``serialize``: dotted path of ``(record, user) -> dict | None``, the
    record as ``user`` may read it (as ``RecordType.serialize``)."""

    key: str
    label: Promise | str
    label_plural: Promise | str
    model: str
    personal_data: PersonalData
    serialize: str

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model)


WAREHOUSE_TYPES = (
    "string",
    "int32",
    "int64",
    "double",
    "bool",
    "date",
    "timestamp",
    "decimal(16,2)",
    "decimal(18,4)",
    "decimal(14,3)",
    "decimal(5,2)",
)


@dataclass(frozen=True)
class WarehouseColumn:
    """A column of a warehouse table. ``type`` is one of WAREHOUSE_TYPES.
    ``user``: the column names a user, by id (``"id"``: pseudonymized in
    works-council mode) or by name (``"name"``: left out in that mode).
    ``field``: the key of the record type's field whose value it holds; its
    category (and whether the type's records are persons) decides whether
    it is personal data, which KONTOR_WAREHOUSE_PERSONAL_DATA leaves out or
    pseudonymizes."""

    name: str
    type: str
    description: str = ""
    user: str = ""
    field: str = ""


@dataclass(frozen=True)
class WarehouseSpec:
    """A table of the star-schema export (kontor.warehouse), filled by the
    app that owns its data.

    ``rows`` is the dotted path of ``(since, today) -> iterable of dicts``:
    the rows changed since ``since`` (all rows when it is None), read in
    batches, keyed by the column names. ``key`` are the columns that name a
    row; a later part file's row replaces an earlier one's with the same key.
    ``snapshot``: the table keeps a row per day (``today``) that the database
    can not give again, so a full export keeps the earlier days' parts.
    ``whole``: the table is small and its rows have no change time (users,
    teams): every export writes it whole, in place of what was there."""

    table: str
    rows: str = ""
    columns: tuple[WarehouseColumn, ...] = ()
    key: tuple[str, ...] = ()
    description: str = ""
    snapshot: bool = False
    whole: bool = False


@dataclass(frozen=True)
class SyncSpec:
    """How an outside system (an ERP) upserts records of this type through
    ``/api/v1/sync/{kind}/{source}/{external_id}`` (the ERP sync).

    ``kind`` names it in the URL (``organizations``). ``fields`` are the body
    fields the source may deliver, named as the type's service takes them;
    the ones a body delivers become read-only in Kontor for that record.
    ``references`` are ``(body field, sync kind, service field)`` triples:
    another record named by its external id (``organization_external_id`` →
    the organization that source knows by it → ``organization_id``).
    ``apply`` is the dotted path of ``(actor, data, record | None) ->
    (record, changed)`` that creates or updates through the type's services
    (``record`` archived before: it is restored); ``archive`` the one of
    ``(actor, record) -> bool`` (False: it was archived already).
    ``create_many``, if given, the dotted path of ``(actor, rows) -> [record
    or ServiceError]`` that makes many new records in a few INSERTs with the
    same checks (a batch's new records go there).

    Each app registers the kinds it syncs on its record types (the contacts
    app organizations and contacts, the sales app products, orders and
    invoices); tests/integration/test_sync_kinds.py fails when an installed
    app does not register the kinds it promises."""

    kind: str
    fields: tuple[str, ...]
    apply: str
    archive: str
    references: tuple[tuple[str, str, str], ...] = ()
    create_many: str = ""


@dataclass(frozen=True)
class ExportSpec:
    """How a type's list is exported (kontor.exports: CSV, XLSX, vCard).

    ``columns`` are the keys of the built-in columns, in file order; a
    column is left out for a user whose roles may not read the field whose
    ``output_keys`` name it, as in the API's answers (custom fields follow
    as ``custom.<key>``). ``rows`` is the dotted path of ``(user, records)
    -> list of {column: value}``: the values of a batch of records as the
    user may see them; the records come without prefetched relations, so it
    reads what it needs in a fixed number of queries per batch.
    ``vcard`` pairs vCard properties (``fn``, ``n.family``, ``n.given``,
    ``org``, ``email``, ``tel``, ``url``, ``note``, ``categories``) with
    the column that fills them; ``vcard_kind`` is the card's ``KIND``."""

    columns: tuple[str, ...]
    rows: str
    vcard: tuple[tuple[str, str], ...] = ()
    vcard_kind: str = "individual"


@dataclass(frozen=True)
class MergeSpec:
    """How duplicates of this type are found and merged (the duplicate layer).

    ``values`` is the dotted path of ``(ids) -> list of dicts``: what
    duplicate detection compares of a batch of records (``id``, ``name``,
    ``first_name``, ``last_name``, ``emails``, ``phones``, ``organization``,
    ``domain``; the keys a type has), read in a fixed number of queries.
    ``fields`` are the fields a merge may take from a merged record (the
    service's keys; custom fields follow as ``custom.<key>``);
    ``field_values`` the dotted path of ``(record) -> {field: value}``, their
    values as the service takes them. ``update`` is the dotted path of
    ``(actor, record, data) -> record``: a write through the type's service
    (checks, audit, event); ``retire`` of ``(actor, record) -> None``, which
    hides a merged record (it needs the right to edit it) and ``restore`` of
    ``(actor, record) -> None``, which brings it back on undo. ``moved``,
    if given, is the dotted path of ``(ids) -> None``, called when a merge
    or its undo has moved rows between these records, for what the type
    derives from them (the contact search rows)."""

    values: str
    fields: tuple[str, ...]
    field_values: str
    update: str
    retire: str
    restore: str
    moved: str = ""


@dataclass(frozen=True)
class MergeLink:
    """A relation a duplicate merge re-points to the surviving record (besides
    the ``merge_links`` of the record types): a model that is no record type
    of its own (a contact point, a call, a share, an external id).

    ``paths`` are its foreign keys to a contact or organization. ``generic``
    names a record by ``(type field, id field)`` (the type's key and the
    record's id). ``unique``: fields that, with the link, are unique; a moved
    row that would repeat one the survivor has is removed instead (and put
    back on undo): the survivor keeps one copy of an email address."""

    key: str
    model: str
    paths: tuple[str, ...] = ()
    generic: tuple[str, str] | None = None
    unique: tuple[str, ...] = ()

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model)


@dataclass(frozen=True)
class RecordType:
    """A kind of record the generic layers know.

    Access: ``owner_paths`` are ORM paths (``owner``, ``contact__owner``) to
    the users who own a record; ``own`` and ``team`` levels are checked
    against them. ``share_paths``: ``(path, type key)`` pairs of records whose
    shares also reach this one ("" is the record itself). ``parent_types``:
    types whose visibility this type's reads already require (an activity is
    shown only if its contact is); a level no stricter than theirs then adds
    no condition of its own. ``visible``: dotted path of the app's
    ``visible_…(user) -> QuerySet`` selector, which applies the access policy
    and whatever the app adds to it.

    Fields: ``fields`` are the built-in fields with their sensitivity
    categories; ``custom_fields`` says administrators may define extra ones
    (kontor.customfields); ``references`` pairs the audited fields that name
    another record by its id with that record's type, so the audit trail
    shows such an id only to those who may read the record.

    Later layers: ``api_parameter`` is the path parameter that names a
    record of this type in the REST API (``contact_id``); ``events`` the
    names of the changes it emits (``contact.created`` …); ``serialize``
    the dotted path of ``(record, user) -> dict | None``: the record as the
    API answers ``user`` (fields they may not read left out), None when the
    user may not read it; webhooks send it as their ``data``. ``search``,
    ``personal_data``, ``merge_links`` (the ORM paths a duplicate merge
    re-points) and ``warehouse`` (the tables it fills) describe it to
    search, data protection, merge and the warehouse export; ``sync`` to the
    ERP sync; ``export`` to the list export; ``retention`` to retention rules.

    ``history_links``: activities and files may name a record of this type
    (besides their contact or organization), under the type's
    ``api_parameter`` (an activity's ``deal_id``); the record's page shows
    them as its history. ``role_levels``: what a default role grants on this
    type where it differs from the role's ``"*"`` levels, by role slug
    (``{"service": {"read": "all"}}``: the actions not named get none), e.g.
    for master data every role reads but only administrators change.

    ``restricted_by``: ORM paths to the time since which processing of the
    person a record is about is restricted (GDPR Art. 18): the person's own
    field on the person's type (``processing_restricted_at``), through the
    link elsewhere (``contact__processing_restricted_at``). While one is set,
    the access policy hides the record from everyone whose roles do not
    handle requests of data subjects."""

    key: str
    label: Promise | str
    label_plural: Promise | str
    model: str
    visible: str
    owner_paths: tuple[str, ...]
    share_paths: tuple[tuple[str, str], ...] = (("", ""),)
    parent_types: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    custom_fields: bool = False
    references: tuple[tuple[str, str], ...] = ()
    api_parameter: str = ""
    events: tuple[str, ...] = ("created", "updated", "deleted")
    serialize: str = ""
    search: SearchSpec | None = None
    personal_data: PersonalData | None = None
    merge_links: tuple[str, ...] = ()
    warehouse: tuple[WarehouseSpec, ...] = ()
    history_links: bool = False
    role_levels: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    sync: SyncSpec | None = None
    export: ExportSpec | None = None
    merge: MergeSpec | None = None
    retention: RetentionSpec | None = None
    restricted_by: tuple[str, ...] = ()

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def reference(self, field_key: str) -> str | None:
        """The type of the record an audited field names, if it names one."""
        return dict(self.references).get(field_key)

    def owner_ids(self, record: Any) -> set[int]:
        """The users owning ``record`` (attribute lookups; the caller loads the
        related records it needs)."""
        owners = set()
        for path in self.owner_paths:
            value: Any = record
            *hops, last = path.split("__")
            for hop in hops:
                value = getattr(value, hop, None) if value is not None else None
            owner_id = getattr(value, f"{last}_id", None) if value is not None else None
            if owner_id is not None:
                owners.add(owner_id)
        return owners

    def is_restricted(self, record: Any) -> bool:
        """Is processing of the person ``record`` is about restricted
        (attribute lookups, as ``owner_ids``)?"""
        for path in self.restricted_by:
            value: Any = record
            for hop in path.split("__"):
                value = getattr(value, hop, None) if value is not None else None
            if value is not None:
                return True
        return False

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.model)

    def default_levels(self, role_slug: str) -> dict[str, str] | None:
        """The levels the default role ``role_slug`` grants on this type, if
        they differ from its ``"*"`` levels."""
        levels = dict(self.role_levels).get(role_slug)
        return dict(levels) if levels is not None else None

    def event_names(self) -> list[str]:
        """``<key>.<event>`` for each change the type emits."""
        return [f"{self.key}.{event}" for event in self.events]


_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> None:
    """Make a type known to the generic layers; registering it again replaces it."""
    _TYPES[record_type.key] = record_type


def record_type(key: str) -> RecordType:
    try:
        return _TYPES[key]
    except KeyError:
        raise LookupError(f"{key!r} is no registered record type") from None


def record_types() -> list[RecordType]:
    return list(_TYPES.values())


def record_type_for(record: models.Model | type[models.Model]) -> RecordType:
    """The registered type of a record or model class."""
    label = record._meta.label
    for registered in _TYPES.values():
        if registered.model == label:
            return registered
    raise LookupError(f"{label} is no registered record type")


def is_registered(key: str) -> bool:
    return key in _TYPES


def history_link_types() -> list[RecordType]:
    """The types activities and files may name besides their contact or
    organization (a deal, …)."""
    return [kind for kind in _TYPES.values() if kind.history_links]


def sync_kinds() -> dict[str, RecordType]:
    """The record types an outside system may sync, by their sync kind."""
    return {kind.sync.kind: kind for kind in _TYPES.values() if kind.sync is not None}


_WAREHOUSE_TABLES: dict[str, WarehouseSpec] = {}


def register_warehouse_table(spec: WarehouseSpec) -> None:
    """A warehouse table that belongs to no record type (users and teams,
    pipelines and stages, calls, captured emails)."""
    _WAREHOUSE_TABLES[spec.table] = spec


def warehouse_tables() -> list[tuple[RecordType | None, WarehouseSpec]]:
    """Every registered warehouse table with the record type that fills it
    (None for the ones registered on their own), by table name."""
    tables: dict[str, tuple[RecordType | None, WarehouseSpec]] = {
        name: (None, spec) for name, spec in _WAREHOUSE_TABLES.items()
    }
    for kind in _TYPES.values():
        for spec in kind.warehouse:
            if spec.table in tables:
                raise ValueError(f"warehouse table {spec.table} is registered twice")
            tables[spec.table] = (kind, spec)
    return [tables[name] for name in sorted(tables)]


_HOLDERS: dict[str, PersonalDataHolder] = {}
_RECIPIENT_READERS: list[str] = []


def register_personal_data_holder(holder: PersonalDataHolder) -> None:
    """Make a model with personal data known to the data protection layer;
    registering it again replaces it."""
    _HOLDERS[holder.key] = holder


def personal_data_holders() -> list[PersonalDataHolder]:
    return list(_HOLDERS.values())


def register_recipient_reader(path: str) -> None:
    """A domain that passes records on to others (webhooks, integrations)
    names the dotted path of ``(records: {model label: [record ids]}) ->
    [{"kind", "name", "first_at", "last_at", "count"}]``: who received
    which of those records, for a person's access export (GDPR Art. 15(1)(c))."""
    if path not in _RECIPIENT_READERS:
        _RECIPIENT_READERS.append(path)


def recipient_readers() -> list[str]:
    return list(_RECIPIENT_READERS)


_MERGE_LINKS: dict[str, MergeLink] = {}


def register_merge_link(link: MergeLink) -> None:
    """A relation a duplicate merge re-points (see ``MergeLink``);
    registering it again replaces it."""
    _MERGE_LINKS[link.key] = link


def merge_links() -> list[MergeLink]:
    """Every relation a merge re-points: the registered links and, for each
    record type, its ``merge_links``."""
    links = list(_MERGE_LINKS.values())
    for kind in _TYPES.values():
        if kind.merge_links:
            links.append(MergeLink(key=kind.key, model=kind.model, paths=kind.merge_links))
    return links


_MERGE_DIRECTORY: list[str] = []


def register_merge_directory(merged_into: str, possible_duplicates: str) -> None:
    """The duplicate layer names the dotted paths of ``(key, record_id) ->
    id | None`` (the record a merged one went into) and of ``(user, key,
    record) -> list[dict]`` (likely duplicates of a new record the user may
    read), so that the domains' pages and API answer with them."""
    _MERGE_DIRECTORY[:] = [merged_into, possible_duplicates]


def merged_into(key: str, record_id: Any) -> Any | None:
    """The id of the record that ``record_id`` was merged into, if it was."""
    if not _MERGE_DIRECTORY:
        return None
    from django.utils.module_loading import import_string

    return import_string(_MERGE_DIRECTORY[0])(key, record_id)


def possible_duplicates(user: Any, key: str, record: Any) -> list[dict]:
    """Records ``user`` may read that look like duplicates of ``record``."""
    if not _MERGE_DIRECTORY:
        return []
    from django.utils.module_loading import import_string

    return import_string(_MERGE_DIRECTORY[1])(user, key, record)


_QUALITY_FILTER: list[str] = []


def register_quality_filter(scored_below: str) -> None:
    """The quality layer names the dotted path of ``(key, below) ->
    QuerySet`` of the ids of records of ``key`` whose stored quality score
    is below ``below``, so that the domains' lists filter by it."""
    _QUALITY_FILTER[:] = [scored_below]


def scored_below(key: str, below: int) -> Any:
    """Ids (a subquery) of records of ``key`` scored below ``below``; None
    when no quality layer is installed."""
    if not _QUALITY_FILTER:
        return None
    from django.utils.module_loading import import_string

    return import_string(_QUALITY_FILTER[0])(key, below)
