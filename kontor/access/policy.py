"""The access policy: the one place that decides who may see and do what.

Records: ``restrict`` turns a user's level for an object type into a
queryset filter (own → the user owns it, team → a member of the user's
teams owns it, all → no condition, plus records shared with the user or
their teams); ``can`` / ``require`` decide about one record. Fields:
``fields_for`` tells which fields of a type a user may read and edit, by
the fields' sensitivity categories. The selectors (``visible_contacts``, …)
and services of every app call these functions and nothing else.

Restriction of processing (GDPR Art. 18): a record about a person whose
processing is restricted (``RecordType.restricted_by``) is hidden from
every user whose roles do not handle requests of data subjects — from
``restrict``, ``readable_condition``, ``can`` and ``readable`` alike, so
every list, search, lookup, page, export and webhook leaves it out."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kontor.access.grants import CUSTOM_PREFIX, Access, User, access_for, derived
from kontor.access.rights import Action, Level
from kontor.core.exceptions import FieldErrors, PermissionDenied
from kontor.core.records import Category, RecordType, record_type, record_type_for

# Records -----------------------------------------------------------------------


def _shared_q(access: Access, kind: RecordType, *, edit: bool) -> Q:
    from kontor.access.models import Share

    shares = Share.objects.filter(Q(user_id=access.user_id) | Q(team_id__in=access.team_ids))
    if edit:
        shares = shares.filter(can_edit=True)
    conditions = []
    for path, shared_type in kind.share_paths:
        reference = f"{path}_id" if path else "pk"
        # An uncorrelated IN, not a correlated EXISTS: the database reads the
        # user's shares once (a hashed subplan) instead of once per row, which
        # an aggregate over many rows (a board's column sums) would pay for.
        shared = shares.filter(object_type=shared_type or kind.key).values("object_id")
        conditions.append(Q(**{f"{reference}__in": shared}))
    return reduce(or_, conditions)


def _level_q(access: Access, kind: RecordType, level: Level) -> Q:
    if level >= Level.TEAM:
        # Everyone who shares a team with the user, the user among them: the
        # ids themselves (read once per request), not a subquery, so that the
        # planner sees a short list and plans a lookup in a fraction of the time.
        owners = sorted(access.team_member_ids | {access.user_id})
        conditions = [Q(**{f"{path}__in": owners}) for path in kind.owner_paths]
    elif level >= Level.OWN:
        conditions = [Q(**{path: access.user_id}) for path in kind.owner_paths]
    else:
        conditions = []
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


def sees_restricted(access: Access) -> bool:
    """Whether the user sees records whose processing is restricted: only
    whoever handles requests of data subjects (the data protection officer)."""
    return access.data_subject_requests


def _unrestricted_q(access: Access, kind: RecordType, paths: tuple[str, ...] = ()) -> Q | None:
    """The records of ``kind`` not about a person whose processing is
    restricted (``paths``: the type's ``restricted_by`` as the caller's
    table names them); None when the user sees those too or the type has none."""
    if sees_restricted(access):
        return None
    if paths:
        return reduce(and_, (Q(**{f"{path}__isnull": True}) for path in paths))
    return _not_restricted(kind)


def _restriction_paths(kind: RecordType) -> Iterator[tuple[str, str, type[Model] | None]]:
    """The type's ``restricted_by`` as (relation, field, the related model):
    ("contact", "processing_restricted_at", Contact); ("", the field, None)
    for a restriction kept on the record itself."""
    model = kind.model_class()
    for path in kind.restricted_by:
        relation, _sep, field = path.rpartition("__")
        related = None
        if relation:
            related = model
            for hop in relation.split("__"):
                related = related._meta.get_field(hop).related_model
        yield relation, field, related


def _restricted_rows(related: type[Model], field: str) -> QuerySet:
    return related._base_manager.filter(**{f"{field}__isnull": False})


def _not_restricted(kind: RecordType) -> Q | None:
    """The records of ``kind`` whose person's processing is not restricted,
    by the type's own ``restricted_by``. A restriction kept on a related
    row (``contact__processing_restricted_at``) is read as "the relation is
    not one of the few restricted rows" — a subquery over those (a partial
    index) instead of a join to every contact: a rep's dashboard over all
    deals joined the million contacts for it."""
    conditions = []
    for relation, field, related in _restriction_paths(kind):
        if related is None:
            conditions.append(Q(**{f"{field}__isnull": True}))
        else:
            restricted = _restricted_rows(related, field).values("pk")
            conditions.append(~Q(**{f"{relation}__in": restricted}))
    return reduce(and_, conditions) if conditions else None


def is_hidden_by_restriction(user: User, record: Model) -> bool:
    """Is ``record`` about a person whose processing is restricted, and
    ``user`` not one who sees such records?"""
    kind = record_type_for(record)
    return (
        bool(kind.restricted_by)
        and not sees_restricted(access_for(user))
        and kind.is_restricted(record)
    )


def unrestricted(queryset: QuerySet, user: User, key: str | None = None) -> QuerySet:
    """``queryset`` without the records the restriction of a person's
    processing hides from ``user`` (for a selector that adds records by a
    rule of its own to those ``restrict`` gives, e.g. a team's queue)."""
    kind = record_type(key) if key else record_type_for(queryset.model)
    condition = _unrestricted_q(access_for(user), kind)
    return queryset if condition is None else queryset.filter(condition)


def hidden_by_restriction(
    queryset: QuerySet, user: User, key: str | None = None
) -> QuerySet | None:
    """The records of ``queryset`` that the restriction of a person's
    processing hides from ``user`` (for figures kept ahead without it, e.g.
    the activity rollup, to take them out again); None when ``user`` sees
    them or the type has no restriction. The restricted persons are read
    first and their ids given (they are few): with a subquery, PostgreSQL
    looked for them through every activity."""
    kind = record_type(key) if key else record_type_for(queryset.model)
    if sees_restricted(access_for(user)) or not kind.restricted_by:
        return None
    condition = Q(pk__in=[])
    for relation, field, related in _restriction_paths(kind):
        if related is None:
            condition |= Q(**{f"{field}__isnull": False})
        else:
            ids = list(_restricted_rows(related, field).values_list("pk", flat=True))
            condition |= Q(**{f"{relation}__in": ids})
    return queryset.filter(condition)


def processable(queryset: QuerySet, key: str | None = None) -> QuerySet:
    """``queryset`` without the records about a person whose processing is
    restricted, whoever acts: automated processing (workflow rules,
    webhooks) stops for them even when its owner may see them."""
    condition = _not_restricted(record_type(key) if key else record_type_for(queryset.model))
    return queryset if condition is None else queryset.filter(condition)


def is_processable(record: Model) -> bool:
    """``processable`` for one record in hand (attribute lookups); a model
    that is no record type is about no restricted person."""
    try:
        kind = record_type_for(record)
    except LookupError:
        return True
    return not kind.is_restricted(record)


def restrict(
    queryset: QuerySet, user: User, key: str | None = None, *, action: str = Action.READ
) -> QuerySet:
    """``queryset`` limited to the records ``user`` may ``action``. Reads of a
    type whose parents' visibility the caller already requires (activities
    of visible contacts) add nothing when the level is no stricter than the
    parents' levels, so that the common case costs no subquery per row.
    Records about a person whose processing is restricted are left out for
    every user but those who handle requests of data subjects."""
    kind = record_type(key) if key else record_type_for(queryset.model)
    access = access_for(user)
    if access.user_id is None:
        return queryset.none()
    not_restricted = _unrestricted_q(access, kind)
    if not_restricted is not None:
        queryset = queryset.filter(not_restricted)
    level = access.level(kind.key, action)
    if level == Level.ALL:
        return queryset
    if (
        action == Action.READ
        and kind.parent_types
        and all(level >= access.level(parent, Action.READ) for parent in kind.parent_types)
    ):
        return queryset
    condition = _level_q(access, kind, level)
    if action in (Action.READ, Action.EDIT):
        condition |= _shared_q(access, kind, edit=action == Action.EDIT)
    return queryset.filter(condition)


def readable_condition(
    user: User, key: str, *, owner: str, record: str, restricted: str = ""
) -> Q | None:
    """The rows of a table that keeps a copy of records of type ``key`` —
    the owner in column ``owner``, the record's id in ``record`` (``pk``
    or a foreign key's name), for a type whose records may be restricted
    (``restricted_by``) the time since which they are in ``restricted`` —
    whose record ``user`` may read, by the same rules as ``restrict``: a
    column predicate instead of a join (the contact search table). None
    when the user reads every record of the type.

    Only for types owned along one path and shared as themselves; any
    other shape has no such copy and is refused, as is a copy of a type
    that may be restricted without its ``restricted`` column."""
    kind = record_type(key)
    if len(kind.owner_paths) != 1 or kind.share_paths != (("", ""),) or kind.parent_types:
        raise ValueError(f"{key} records are not read through one owner column")
    if kind.restricted_by and not restricted:
        raise ValueError(f"a copy of {key} records needs the column of their restriction")
    access = access_for(user)
    if access.user_id is None:
        return Q(pk__in=[])
    not_restricted = _unrestricted_q(access, kind, (restricted,) if restricted else ())
    level = access.level(kind.key, Action.READ)
    if level == Level.ALL:
        return not_restricted
    shared = "" if record == "pk" else record
    copy = replace(kind, owner_paths=(owner,), share_paths=((shared, key),))
    condition = _level_q(access, copy, level) | _shared_q(access, copy, edit=False)
    return condition if not_restricted is None else condition & not_restricted


def owned_condition(
    user: User, key: str, owners: Iterable[str], *, under_parents: bool = False
) -> Q | None:
    """The rows of a table that keeps the owners of records of type ``key``
    in the columns ``owners`` (a rollup) whose records ``user`` reaches by
    their read level alone, as ``restrict`` decides it, shares aside (see
    ``shared_condition``). None when the level reaches every record, or,
    with ``under_parents``, when ``restrict`` leaves the type's rows to its
    parents' rules (an activity under a role no stricter for activities
    than for contacts and organizations)."""
    kind = record_type(key)
    access = access_for(user)
    if access.user_id is None:
        return Q(pk__in=[])
    level = access.level(kind.key, Action.READ)
    if level == Level.ALL:
        return None
    if (
        under_parents
        and kind.parent_types
        and all(level >= access.level(parent, Action.READ) for parent in kind.parent_types)
    ):
        return None
    return _level_q(access, replace(kind, owner_paths=tuple(owners)), level)


def shared_condition(user: User, key: str) -> Q | None:
    """The condition on records of type ``key`` that their record (or a
    parent the type is shared through) is shared with ``user`` or one of
    their teams; None when nothing of these types is, so that a caller can
    leave shares out (one query)."""
    from kontor.access.models import Share

    kind = record_type(key)
    access = access_for(user)
    if access.user_id is None:
        return None
    types = {shared_type or kind.key for _path, shared_type in kind.share_paths}
    shares = Share.objects.filter(
        Q(user_id=access.user_id) | Q(team_id__in=access.team_ids), object_type__in=types
    )
    if not shares.exists():
        return None
    return _shared_q(access, kind, edit=False)


def visible_records(user: User, key: str) -> QuerySet:
    """The records of type ``key`` that ``user`` may read, by the type's own
    selector (which adds its rules to the policy's, e.g. an activity's
    records)."""
    return import_string(record_type(key).visible)(user)


def _shared_records(kind: RecordType, record: Model) -> list[tuple[str, Any]]:
    pairs = []
    for path, shared_type in kind.share_paths:
        value: Any = record
        if path:
            *hops, last = path.split("__")
            for hop in hops:
                value = getattr(value, hop, None) if value is not None else None
            value = getattr(value, f"{last}_id", None) if value is not None else None
        else:
            value = record.pk
        if value is not None:
            pairs.append((shared_type or kind.key, value))
    return pairs


def _shares_of(access: Access, pairs: Iterable[tuple[str, Any]]) -> QuerySet:
    """The shares of the ``(type, id)`` pairs with the user or their teams,
    asked by type and ids."""
    from kontor.access.models import Share

    ids_by_type: dict[str, list[Any]] = {}
    for object_type, pk in pairs:
        ids_by_type.setdefault(object_type, []).append(pk)
    records = reduce(or_, (Q(object_type=t, object_id__in=ids) for t, ids in ids_by_type.items()))
    return Share.objects.filter(records).filter(
        Q(user_id=access.user_id) | Q(team_id__in=access.team_ids)
    )


def _is_shared(access: Access, pairs: Iterable[tuple[str, Any]], *, edit: bool) -> bool:
    pairs = list(pairs)
    if not pairs or access.user_id is None:
        return False
    if access.shares is not None:
        return any(
            access.shares.get(pair, False) if edit else pair in access.shares for pair in pairs
        )
    shares = _shares_of(access, pairs)
    if edit:
        shares = shares.filter(can_edit=True)
    return shares.exists()


def _owned_within(access: Access, level: Level, owner_ids: set[Any]) -> bool:
    if level == Level.ALL:
        return True
    if level >= Level.OWN and access.user_id in owner_ids:
        return True
    return level >= Level.TEAM and bool(owner_ids & access.team_member_ids)


def can(user: User, action: str, record: Model) -> bool:
    """May ``user`` ``action`` (read, edit, delete, export) this record?"""
    kind = record_type_for(record)
    access = access_for(user)
    if access.user_id is None or is_hidden_by_restriction(user, record):
        return False
    level = access.level(kind.key, action)
    if _owned_within(access, level, kind.owner_ids(record)):
        return True
    if action in (Action.READ, Action.EDIT):
        return _is_shared(access, _shared_records(kind, record), edit=action == Action.EDIT)
    return False


def readable(user: User, records: Iterable[Model]) -> list[Model]:
    """The ``records`` (of any registered types) that ``user`` may read, in
    their order: ``can(user, "read", record)`` for many records at once.
    Their owners are checked against the user's ``Access`` in memory, and
    so are the records that no level reaches, against the shares it holds
    (one query for all of them for a user with more shares than it keeps).
    For a handful of rows found by an index (a lookup) this is far cheaper
    than planning the whole visibility condition into the query.
    Records about a person whose processing is restricted are left out
    (``restricted_among`` names them)."""
    records = [record for record in records if not is_hidden_by_restriction(user, record)]
    return _readable_by_level(user, records)


def restricted_among(user: User, records: Iterable[Model]) -> list[Model]:
    """The ``records`` that ``user`` would read but for the restriction of
    the processing of the person they are about: a caller lookup says
    "restricted" for them (and nothing else), never for records the user
    could not read anyway."""
    hidden = [record for record in records if is_hidden_by_restriction(user, record)]
    return _readable_by_level(user, hidden)


def _readable_by_level(user: User, records: list[Model]) -> list[Model]:
    access = access_for(user)
    if access.user_id is None or not records:
        return []
    unreached: list[tuple[Model, list[tuple[str, Any]]]] = []
    verdicts: dict[int, bool] = {}
    for record in records:
        kind = record_type_for(record)
        level = access.level(kind.key, Action.READ)
        if _owned_within(access, level, kind.owner_ids(record)):
            verdicts[id(record)] = True
        else:
            unreached.append((record, _shared_records(kind, record)))
    pairs = {pair for _record, record_pairs in unreached for pair in record_pairs}
    shared = _shared_pairs(access, pairs) if pairs else set()
    for record, record_pairs in unreached:
        verdicts[id(record)] = any(pair in shared for pair in record_pairs)
    return [record for record in records if verdicts[id(record)]]


def _shared_pairs(access: Access, pairs: set[tuple[str, Any]]) -> set[tuple[str, Any]]:
    """Which of the ``(type, id)`` pairs are shared with the user or their
    teams: from the copy in their ``Access`` if it has one."""
    if access.shares is not None:
        return {pair for pair in pairs if pair in access.shares}
    return set(_shares_of(access, pairs).values_list("object_type", "object_id"))


def may_read_owned(user: User, key: str, owner_ids: Iterable[Any]) -> bool:
    """Would ``user`` read a record of type ``key`` owned by ``owner_ids``
    by their level alone (shares aside)? For records that are gone, e.g.
    who may hear that one was deleted."""
    access = access_for(user)
    if access.user_id is None:
        return False
    level = access.level(key, Action.READ)
    return _owned_within(access, level, {o for o in owner_ids if o is not None})


def can_create(
    user: User, key: str, *, owner_ids: Iterable[Any] = (), parents: Iterable[Model] = ()
) -> bool:
    """May ``user`` create a record of type ``key`` owned by ``owner_ids``
    (for a contact: its owner; for an activity or a file: the owners of the
    records it is attached to, its ``parents``)? A parent shared with the
    user for editing allows it too."""
    parents = list(parents)
    access = access_for(user)
    if access.user_id is None or any(is_hidden_by_restriction(user, p) for p in parents):
        return False
    level = access.level(key, Action.CREATE)
    owners = {o for o in owner_ids if o is not None}
    if _owned_within(access, level, owners):
        return True
    if level == Level.NONE:
        return False
    pairs = [
        pair for parent in parents for pair in _shared_records(record_type_for(parent), parent)
    ]
    return _is_shared(access, pairs, edit=True)


def may_use_level(user: User, key: str, action: str) -> bool:
    """Has the user any right for ``action`` on type ``key`` (before a record is known)?"""
    return access_for(user).level(key, action) > Level.NONE


def require(user: User, action: str, record: Model) -> None:
    if not can(user, action, record):
        kind = record_type_for(record)
        raise PermissionDenied(
            _("You may not %(action)s this %(type)s.")
            % {"action": Action(action).label, "type": kind.label}
        )


def require_create(
    user: User, key: str, *, owner_ids: Iterable[Any] = (), parents: Iterable[Model] = ()
) -> None:
    if not can_create(user, key, owner_ids=owner_ids, parents=parents):
        raise PermissionDenied(
            _("You may not create this %(type)s.") % {"type": record_type(key).label}
        )


# Fields ------------------------------------------------------------------------


def field_categories(user: User, key: str) -> dict[str, str]:
    """Category of every field of type ``key``: built-in fields by their key,
    custom fields as ``custom.<key>``."""
    stored = access_for(user).field_categories.get(key, {})
    categories = {spec.key: spec.category for spec in record_type(key).fields}
    for field, category in stored.items():
        spec = record_type(key).field(field)
        if field.startswith(CUSTOM_PREFIX) or (spec and category in spec.categories):
            categories[field] = category
    return categories


class FieldAccess:
    """Which fields of one object type a user may read and edit.

    ``"phones" in fields`` (also in templates), ``fields.may_edit("notes")``,
    custom fields as ``"custom.<key>"``. A user who may read (edit) every
    category needs no field categories at all, so they are not even looked at.
    Made once per request and type (``fields_for``)."""

    def __init__(self, user: User, key: str):
        self.user = user
        self.key = key
        self.access = access_for(user)
        self._categories: dict[str, str] | None = None
        # Asked for every field of every record a page shows; answered once.
        self._readable: dict[tuple[str, bool], bool] = {}
        self._hidden_output_keys: frozenset[str] | None = None

    @property
    def categories(self) -> dict[str, str]:
        if self._categories is None:
            self._categories = field_categories(self.user, self.key)
        return self._categories

    def category(self, field: str, *, sensitive_default: bool = False) -> str:
        """A field's category; a custom value without definition counts as
        standard, or special when it was stored encrypted."""
        if field in self.categories:
            return self.categories[field]
        return Category.SPECIAL if sensitive_default else Category.STANDARD

    def __contains__(self, field: str) -> bool:
        return self.may_read(field)

    def may_read(self, field: str, *, sensitive_default: bool = False) -> bool:
        readable = self._readable.get((field, sensitive_default))
        if readable is None:
            readable = self.access.user_id is not None and (
                self.access.reads_every_category
                or self.access.may_read_category(
                    self.category(field, sensitive_default=sensitive_default)
                )
            )
            self._readable[field, sensitive_default] = readable
        return readable

    def may_edit(self, field: str, *, sensitive_default: bool = False) -> bool:
        if self.access.user_id is None:
            return False
        if self.access.edits_every_category:
            return True
        return self.access.may_edit_category(
            self.category(field, sensitive_default=sensitive_default)
        )

    @property
    def reads_everything(self) -> bool:
        return self.access.reads_every_category

    def hidden_output_keys(self) -> frozenset[str]:
        """Keys of an API answer that must not appear for this user."""
        if self._hidden_output_keys is None:
            self._hidden_output_keys = frozenset(
                key
                for spec in record_type(self.key).fields
                if not self.may_read(spec.key)
                for key in spec.keys_in_output
            )
        return self._hidden_output_keys


def fields_for(user: User, key: str) -> FieldAccess:
    """The user's ``FieldAccess`` for type ``key``, made once per request."""
    return derived(user, f"fields:{key}", lambda _access: FieldAccess(user, key))


def check_field_edits(user: User, key: str, data: Mapping[str, Any]) -> None:
    """Refuse a write that sets fields the user may not edit: 403 for fields
    they may read; a custom field they may not even read gets the same
    answer as a key that names no field at all, so the write reveals nothing."""
    fields = fields_for(user, key)
    if fields.access.edits_every_category:
        return
    kind = record_type(key)
    forbidden = [
        str(spec.label)
        for name in data
        if (spec := kind.field(name)) is not None and not fields.may_edit(name)
    ]
    custom = data.get("custom")
    if isinstance(custom, Mapping):
        _refuse_unknown_custom_fields(fields, custom)
        forbidden += [
            str(custom_key)
            for custom_key in custom
            if not fields.may_edit(f"{CUSTOM_PREFIX}{custom_key}")
        ]
    if forbidden:
        raise PermissionDenied(
            _("You may not change these fields: %(fields)s.") % {"fields": ", ".join(forbidden)}
        )


def _refuse_unknown_custom_fields(fields: FieldAccess, custom: Mapping[str, Any]) -> None:
    """Keys that name no custom field and keys of fields the user may not
    read get one and the same answer, which names only the readable fields."""
    readable = {
        k.removeprefix(CUSTOM_PREFIX)
        for k in fields.categories
        if k.startswith(CUSTOM_PREFIX) and fields.may_read(k)
    }
    unknown = [k for k in custom if k not in readable]
    if unknown:
        known = ", ".join(sorted(readable)) or "none are defined"
        raise FieldErrors(
            {
                f"{CUSTOM_PREFIX}{k}": [f"is not a custom field here (known fields: {known})"]
                for k in unknown
            }
        )
