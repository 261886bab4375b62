# SQL here is built from the constant table and column names below; the
# user's search term is always a bound parameter.
# ruff: noqa: S608, S611
"""Index-backed substring search over names, organization names, email
addresses and phone digits.

``%term%`` matching cannot use a B-tree index, and a scan of a million contacts
takes far longer than a search may. So each searchable column gets an index
that serves substring matches:

- PostgreSQL: trigram GIN indexes (``pg_trgm``), created by migration
  ``0003_search_indexes``; the ORM's ``icontains``/``contains`` use them as is.
- SQLite: FTS5 tables with the trigram tokenizer, kept in step with their
  tables by triggers. Django's SQLite schema editor rebuilds a table for many
  ``ALTER``s, which drops its triggers, so ``ensure_sqlite_search_index`` runs
  after every ``migrate`` and rebuilds an index whose triggers are missing.

Terms shorter than three characters have no trigram and fall back to a plain
(scanning) ``LIKE``.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection as default_connection
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from kontor.contacts.models import Contact, ContactSearch, EmailAddress, PhoneNumber
from kontor.contacts.normalization import digits_for_search, phone_lookup_candidates
from kontor.core.bulk_insert import analyze, insert_values
from kontor.core.exceptions import FieldErrors
from kontor.core.pagination import (
    decode_cursor,
    encode_cursor,
    parse_cursor_value,
    rows_after,
)

MIN_TRIGRAM_LENGTH = 3

# table → (FTS table, indexed columns)
# (Contacts' names are searched through contacts_contactsearch; their own
# table has no FTS table since migration 0012.)
SQLITE_FTS = {
    "contacts_organization": ("contacts_organization_fts", ["name", "domain", "website"]),
    "contacts_emailaddress": ("contacts_emailaddress_fts", ["normalized", "address"]),
    "contacts_phonenumber": ("contacts_phonenumber_fts", ["digits"]),
    "contacts_contactsearch": (
        "contacts_contactsearch_fts",
        ["names", "organization_key", "emails", "phones"],
    ),
}


def _uses_fts(term: str) -> bool:
    return default_connection.vendor == "sqlite" and len(term) >= MIN_TRIGRAM_LENGTH


def _fts_rowids(table: str, columns: list[str], term: str) -> RawSQL:
    fts_table, indexed = SQLITE_FTS[table]
    assert set(columns) <= set(indexed)
    phrase = '"' + term.replace('"', '""') + '"'
    query = f"{{{' '.join(columns)}}} : {phrase}"
    return RawSQL(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH %s", [query])


def text_match(model: type, columns: list[str], term: str) -> Q:
    """Rows of ``model`` where any of ``columns`` contains ``term``, ignoring case."""
    if _uses_fts(term):
        return Q(pk__in=_sqlite_pk_subquery(model, columns, term))
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__icontains": term})
    return condition


def _sqlite_pk_subquery(model: type, columns: list[str], term: str) -> RawSQL:
    rowids = _fts_rowids(model._meta.db_table, columns, term)
    if model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}:
        return rowids  # an integer primary key is the rowid
    # Other primary keys (UUIDs) sit beside SQLite's implicit rowid.
    table, pk = model._meta.db_table, model._meta.pk.column
    return RawSQL(f"SELECT {pk} FROM {table} WHERE rowid IN ({rowids.sql})", rowids.params)


def ensure_sqlite_search_index(connection: BaseDatabaseWrapper, rebuild: bool = False) -> None:
    """Create the FTS5 tables and their triggers where missing; rebuild an
    index whose triggers were missing (its table was rebuilt meanwhile)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = {
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            ).fetchall()
        }
        for table, (fts, columns) in SQLITE_FTS.items():
            if table not in existing:
                continue
            cols = ", ".join(columns)
            new = ", ".join(f"new.{c}" for c in columns)
            old = ", ".join(f"old.{c}" for c in columns)
            triggers = {
                f"{fts}_ai": f"AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END",
                f"{fts}_ad": f"AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); END",
                f"{fts}_au": f"AFTER UPDATE OF {cols} ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); "
                f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END",
            }
            needs_rebuild = rebuild or fts not in existing
            if fts not in existing:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
                    "content_rowid='rowid', tokenize='trigram')"
                )
            for name, body in triggers.items():
                if name not in existing:
                    cursor.execute(f"CREATE TRIGGER {name} {body}")
                    needs_rebuild = True
            if needs_rebuild:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


FEW_MATCHES = 5000


def matching_ids(field: str, matches: QuerySet) -> Q | None:
    """``field`` is one of the ids ``matches`` (a flat ``values_list``) selects;
    None when nothing matches.

    On PostgreSQL the ids are read first, up to ``FEW_MATCHES``, and when
    there are no more the condition names them. The planner can only guess
    how many rows ``LIKE '%word%'`` matches; guessing "many" when there are a
    thousand, it walks the list's sort order through a third of the table
    looking for a page of them (seconds). Given the ids, it reads just those.
    With more matches than that, walking the sort order is the quick way, and
    the condition stays a subquery. SQLite never walks for an ``IN``
    subquery, so there the subquery is always right."""
    ids = matches.order_by()
    if default_connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    few = list(ids[: FEW_MATCHES + 1])
    if not few:
        return None
    return Q(**{f"{field}__in": few if len(few) <= FEW_MATCHES else ids})


# The contact search table ----------------------------------------------------------
#
# One row per contact (``ContactSearch``) with everything a search of
# contacts reads: folded sort keys with prefix indexes, the folded texts of
# names, email addresses and phone digits with substring indexes, the
# owners the access rules need, the recency that breaks ties and the
# display name a search in name order goes by. The services call
# ``refresh_contact_search`` in the transaction of every write that changes
# one of its inputs; ``rebuild_contact_search`` fills it whole
# (``rebuildsearch``, and on ``migrate`` when it is empty). The generator of
# benchmark data writes the rows of its contacts itself, from
# ``search_row_values``.

REFRESH_BATCH = 1000
REBUILD_BATCH = 5000
# Every column a refresh writes anew: all but the contact.
_ROW_FIELDS = tuple(f.name for f in ContactSearch._meta.concrete_fields if not f.primary_key)


def fold(text: str) -> str:
    """Lower case without accents, as keys and search words are compared:
    ``Müller`` → ``muller``, ``Straße`` → ``strasse``."""
    text = text or ""
    if text.isascii():  # nothing to decompose (the bulk of names and addresses)
        return text.casefold().strip()
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.translate(_COMBINING_MARKS).casefold().strip()


class _CombiningMarks(dict):
    """A ``str.translate`` table that drops combining characters, learning
    each character the first time it is asked about."""

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


_COMBINING_MARKS = _CombiningMarks()


def _search_rows(contact_ids: list[Any]) -> list[ContactSearch]:
    """The search rows of these contacts as their tables hold them now (three queries)."""
    emails: dict[Any, list[tuple[str, str]]] = {}
    for contact_id, normalized, address in (
        EmailAddress.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "position", "id")
        .values_list("contact_id", "normalized", "address")
    ):
        emails.setdefault(contact_id, []).append((normalized, address))
    phones: dict[Any, list[str]] = {}
    for contact_id, digits in (
        PhoneNumber.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "position", "id")
        .values_list("contact_id", "digits")
    ):
        phones.setdefault(contact_id, []).append(digits)
    contacts = Contact.objects.filter(pk__in=contact_ids).values_list(
        "pk", "first_name", "last_name", "display_name", "owner_id", "organization_id",
        "organization__name", "organization__owner_id", "archived_at",
        "processing_restricted_at", "updated_at",
    )  # fmt: skip
    # The columns in the order of _search_row's parameters.
    return [
        _search_row(*values, emails.get(values[0], []), phones.get(values[0], []))
        for values in contacts
    ]


def _search_row(*args: Any) -> ContactSearch:
    return ContactSearch(**search_row_values(*args))


def search_row_values(
    pk: Any,
    first: str,
    last: str,
    display_name: str,
    owner: Any,
    organization: Any,
    organization_name: str | None,
    organization_owner: Any,
    archived_at: Any,
    restricted_at: Any,
    updated_at: Any,
    emails: Iterable[tuple[str, str]],
    digits: Iterable[str],
) -> dict[str, Any]:
    """One contact's search row, by the fields' attribute names; ``emails``
    are (normalized, as typed) pairs and ``digits`` the phone numbers'
    digits, each in their order. (A bulk load writes these values as they
    are, without the model instance.)"""
    addresses: list[str] = []
    for normalized, address in emails:
        # Both forms: an address as typed (c@bücher.de) and as compared
        # (c@xn--bcher-kva.de).
        addresses.extend(dict.fromkeys([fold(normalized), fold(address)]))
    return {
        "contact_id": pk,
        "owner_id": owner,
        "organization_id": organization,
        "organization_owner_id": organization_owner,
        "archived": archived_at is not None,
        "processing_restricted_at": restricted_at,
        "last_key": fold(last),
        "name_key": fold(f"{first} {last}"),
        "organization_key": fold(organization_name or ""),
        "email_key": addresses[0] if addresses else "",
        "names": fold(f"{first} {last}"),
        "emails": " ".join(dict.fromkeys(addresses)),
        "phones": " ".join(digits),
        "recency": updated_at,
        "display_name": display_name,
    }


def add_new_contacts_to_search(contacts: Iterable[Contact], points: Mapping[Any, Any]) -> None:
    """The search rows of contacts just made in this transaction, from what
    was written (no reading back): one statement. ``points`` gives per contact
    its email addresses and phone numbers as written, each in their order
    (``(emails, phones)``); a contact's organization is the instance it
    was written with. The rows are written as values, without a
    ``ContactSearch`` instance each (``insert_values``)."""
    rows = []
    for contact in contacts:
        emails, phones = points.get(contact.pk, ((), ()))
        organization = contact.organization if contact.organization_id else None
        rows.append(
            search_row_values(
                contact.pk,
                contact.first_name,
                contact.last_name,
                contact.display_name,
                contact.owner_id,
                contact.organization_id,
                organization.name if organization else None,
                organization.owner_id if organization else None,
                contact.archived_at,
                contact.processing_restricted_at,
                contact.updated_at,
                [(e.normalized, e.address) for e in emails],
                [p.digits for p in phones],
            )
        )
    insert_values(ContactSearch, rows)


def refresh_contact_search(contact_ids: Iterable[Any]) -> None:
    """Bring the search rows of these contacts in step with their tables:
    written anew (an upsert, so that two writes at once both land), or
    removed for contacts that are gone. Call it in the writing transaction."""
    ids = list(dict.fromkeys(pk for pk in contact_ids if pk is not None))
    for start in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[start : start + REFRESH_BATCH]
        rows = _search_rows(chunk)
        ContactSearch.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["contact"], update_fields=_ROW_FIELDS
        )
        found = {row.contact_id for row in rows}
        if gone := [pk for pk in chunk if pk not in found]:
            ContactSearch.objects.filter(contact_id__in=gone).delete()


def refresh_organization_contacts(organization_ids: Iterable[Any]) -> None:
    """Refresh the rows of every contact of these organizations (after a
    change of an organization's name or owner, or its removal)."""
    ids = [pk for pk in organization_ids if pk is not None]
    if ids:
        stale = ContactSearch.objects.filter(organization_id__in=ids).values_list(
            "contact_id", flat=True
        )
        current = Contact.objects.filter(organization_id__in=ids).values_list("pk", flat=True)
        refresh_contact_search([*stale, *current])


def rebuild_contact_search(progress: Callable[[int], None] | None = None) -> int:
    """Fill the search table whole from the contacts' tables, in batches;
    returns the number of rows."""
    written = 0
    with transaction.atomic():
        ContactSearch.objects.all().delete()
        last = None
        while True:
            page = Contact.objects.order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            ids = list(page.values_list("pk", flat=True)[:REBUILD_BATCH])
            if not ids:
                break
            ContactSearch.objects.bulk_create(_search_rows(ids), batch_size=REFRESH_BATCH)
            written += len(ids)
            last = ids[-1]
            if progress:
                progress(written)
        # Without statistics of the new rows, SQLite reads a rep's search
        # through the owner index (a fifth of the table) instead of the
        # prefix indexes, and PostgreSQL misjudges its tiers.
        analyze([ContactSearch])
    return written


def fill_contact_search_if_empty(connection: BaseDatabaseWrapper) -> None:
    """After ``migrate``: a database with contacts but no search rows (one
    that existed before the table did) gets them."""
    if ContactSearch._meta.db_table not in connection.introspection.table_names():
        return
    using = connection.alias
    if Contact.objects.using(using).exists() and not ContactSearch.objects.using(using).exists():
        rebuild_contact_search()


# Ranked contact search ---------------------------------------------------------------

# The last code point: the strings that begin with ``text`` are those from
# ``text`` up to ``text + _TOP`` (SQLite compares text by code point).
_TOP = "\U0010ffff"
# A search that is one phone number typed with spaces, e.g. "+49 (0)30 123 45".
PHONE_LIKE = re.compile(r"^\+?[0-9\s()./-]+$")
MIN_PHONE_FRAGMENT_DIGITS = 3
MAX_EXACT_EMAIL_OWNERS = 100


@dataclass(frozen=True)
class SearchScope:
    """What a user may find contacts by, beyond their names: email
    addresses, phone numbers, the organization's name (None: they may not;
    ``Q()``: every organization's; else the condition on the row's copy of
    the organization's owner and id)."""

    emails: bool
    phones: bool
    organizations: Q | None


def _starts_with(column: str, text: str) -> Q:
    """``column`` begins with ``text``, served by the column's prefix index:
    ``LIKE 'text%'`` on PostgreSQL (a ``text_pattern_ops`` index), a range
    on SQLite (whose ``LIKE`` ignores case and so cannot use the index)."""
    if default_connection.vendor == "postgresql":
        return Q(**{f"{column}__startswith": text})
    return Q(**{f"{column}__gte": text, f"{column}__lt": text + _TOP})


def _contains(columns: list[str], text: str) -> Q:
    """Any of ``columns`` contains ``text``: a trigram index on PostgreSQL,
    the FTS5 trigram table on SQLite; a scan for fewer than three characters."""
    if default_connection.vendor == "sqlite" and len(text) >= MIN_TRIGRAM_LENGTH:
        return Q(pk__in=_sqlite_pk_subquery(ContactSearch, columns, text))
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__contains": text})
    return condition


def _word_matches(word: str, scope: SearchScope) -> Q:
    """Rows that contain ``word`` (folded) in any field the user may find by."""
    plain = ["names"] + (["emails"] if scope.emails else [])
    condition = _contains(plain, word)
    if scope.organizations is not None:
        condition |= _contains(["organization_key"], word) & scope.organizations
    if scope.phones and len(digits := digits_for_search(word)) >= MIN_PHONE_FRAGMENT_DIGITS:
        condition |= _contains(["phones"], digits)
    return condition


def _phone_matches(text: str) -> Q | None:
    """Rows with a phone number that is ``text`` in any format or contains its digits."""
    digits = digits_for_search(text)
    if len(digits) < MIN_PHONE_FRAGMENT_DIGITS:
        return None
    condition = _contains(["phones"], digits)
    for e164 in phone_lookup_candidates(text):
        condition |= _contains(["phones"], e164.lstrip("+"))
    return condition


def relevance_tiers(q: str, scope: SearchScope, *, max_words: int) -> list[Q]:
    """The conditions of a search for ``q``, most relevant first (a row is
    in the first tier whose condition it meets, ``RankedSearch.tier``):

    0. exactly the last name, the full name, the organization's name or an
       email address;
    1. the last name or the full name begins with it (``Schmi`` → the Schmidts,
       ``Mar`` → Martin Kurz and Anna Marx);
    2. the organization's name or the first email address begins with it;
    3. every word is contained in a name, the organization's name, an email
       address or a phone number (a phone number typed with spaces also as
       a whole).

    Empty when ``q`` has no words."""
    words = [fold(word) for word in q.split()[:max_words]]
    words = [word for word in words if word]
    if not words:
        return []
    whole = " ".join(words)
    organization = scope.organizations
    exact = Q(last_key=whole) | Q(name_key=whole)
    name_prefix = _starts_with("last_key", whole) | _starts_with("name_key", whole)
    other_prefix = Q(pk__in=[])
    if organization is not None:
        exact |= Q(organization_key=whole) & organization
        other_prefix |= _starts_with("organization_key", whole) & organization
    if scope.emails:
        exact |= Q(email_key=whole)
        other_prefix |= _starts_with("email_key", whole)
        if "@" in whole:
            # Any address typed whole: its owners read first and named, as
            # an ``IN`` subquery makes PostgreSQL guess that half the table
            # matches, and walk all of it.
            owners = list(
                EmailAddress.objects.filter(normalized=whole, contact__isnull=False)
                .order_by()
                .values_list("contact_id", flat=True)[:MAX_EXACT_EMAIL_OWNERS]
            )
            if owners:
                exact |= Q(pk__in=owners)
    anywhere = Q()
    for word in words:
        anywhere &= _word_matches(word, scope)
    whole_number = len(words) > 1 and PHONE_LIKE.match(q.strip()) and scope.phones
    if whole_number and (number := _phone_matches(q)) is not None:
        anywhere |= number
    return [exact, name_prefix, other_prefix, anywhere]


# A tier with at most this many rows is read whole and sorted apart (PostgreSQL).
FEW_TIER_ROWS = 2000

# The sort fields of the contact list that the search table holds too: a
# search in their order is paged there (``RankedSearch.ordered_page_ids``).
SEARCH_TABLE_ORDERS = frozenset({"display_name"})

Position = tuple[Any, Any]  # (sort value, contact id): a row's place in an order
BY_RECENCY = ("-recency", "-contact_id")  # a tier's order: latest first


def _first_rows(
    rows: QuerySet, order: tuple[str, str], *, after: Position | None, wanted: int, few: int
) -> list[Position]:
    """The first ``wanted`` rows (as positions) after ``after`` in ``order``:
    a column and the contact id, both ascending or both descending.

    On PostgreSQL the rows are taken whole first, up to ``few``, by the
    conditions' own indexes, and sorted as they are; only the page comes
    back. The planner guesses how many rows match from each condition
    alone, and the conditions are correlated (most contacts that contain
    "mar" begin with it, and so belong to an earlier tier) or cluster in
    the order (the Hannahs by name). Guessing many, it walks the order's
    index through most of the table looking for a page of them. With more
    rows than ``few``, the walk is quick after all. SQLite does not walk
    for a tier (for a search in name order: ``RankedSearch._few_ids``)."""
    if default_connection.vendor == "postgresql":
        page = _page_of_few(rows, order, after=after, wanted=wanted, few=few)
        if page is not None:
            return page
    if after is not None:
        rows = rows.filter(rows_after(order, *after))
    columns = [name.lstrip("-") for name in order]
    return list(rows.order_by(*order).values_list(*columns)[:wanted])


def _page_of_few(
    rows: QuerySet, order: tuple[str, str], *, after: Position | None, wanted: int, few: int
) -> list[Position] | None:
    """``_first_rows`` for at most ``few`` rows; None for more. The rows
    are set apart unordered (``MATERIALIZED`` keeps the planner from reading
    them by the order's index) and counted, and only the page's rows are
    sorted out of them and sent: a couple of thousand rows, their times
    converted one by one in Python, took longer than the query."""
    columns = [name.lstrip("-") for name in order]
    try:
        sql, params = rows.order_by().values_list(*columns)[: few + 1].query.sql_with_params()
    except EmptyResultSet:
        return []
    direction, comparison = ("DESC", "<") if order[0].startswith("-") else ("ASC", ">")
    later = f"WHERE (sort_value, contact_id) {comparison} (%s, %s)" if after is not None else ""
    with connections[rows.db].cursor() as cursor:
        cursor.execute(
            f"WITH found(sort_value, contact_id) AS MATERIALIZED ({sql}) "
            "SELECT total.n, page.sort_value, page.contact_id "
            "FROM (SELECT count(*) FROM found) AS total(n) "
            f"LEFT JOIN (SELECT * FROM found {later} "
            f"ORDER BY sort_value {direction}, contact_id {direction} LIMIT %s) AS page ON true "
            f"ORDER BY page.sort_value {direction}, page.contact_id {direction}",
            [*params, *(after or ()), wanted],
        )
        found = cursor.fetchall()
    if found[0][0] > few:
        return None
    return [(value, pk) for _total, value, pk in found if pk is not None]


# A search in name order on PostgreSQL first walks at most this many rows
# of the search table along the order's index (``_walked_page``): some 5 ms
# at a million contacts when the page is not among them.
NAME_WALK_ROWS = 2_000


def _walked_page(
    condition: Q, order: tuple[str, str], *, after: Position | None, wanted: int, bound: int
) -> list[Position] | None:
    """The first ``wanted`` rows that meet ``condition`` (on the
    search table) after ``after`` in ``order``, if they are among the next
    ``bound`` rows of the whole table in that order; None if fewer are.

    The walk reads the order's index and the rows it passes, and checks
    each against ``condition``, stopping at ``bound`` rows read (the inner
    ``LIMIT``, which no condition is pushed into) or at the page's last
    match (the outer one). A word that many of the user's rows match fills
    its page in the first thousand or two names (a superuser's ``Daten`` at
    a million contacts) without its thousands of matches being set apart
    and counted first. A rep's broad word, for which a third of the rows
    are visible, needs tens of thousands (docs/performance.md, fifth
    round), and a sparse word never fills it: each costs at most ``bound``
    rows read before its matches are read by their own indexes
    (``_first_rows``)."""
    columns = [name.lstrip("-") for name in order]
    descending = order[0].startswith("-")
    table = ContactSearch.objects.all()
    if after is not None:
        # The bound on the first column is where the walk enters the index;
        # the pair's comparison then passes over the ties already shown.
        start = Q(**{f"{columns[0]}__{'lte' if descending else 'gte'}": after[0]})
        table = table.filter(start, rows_after(order, *after))
    # CASE drops a condition that can match nothing (a user without access).
    walk = (
        table.annotate(matches=Case(When(condition, then=Value(True)), default=Value(False)))
        .order_by(*order)
        .values_list(*columns, "matches")[:bound]
    )
    try:
        sql, params = walk.query.sql_with_params()
    except EmptyResultSet:  # a bound of no rows
        return None
    direction = "DESC" if descending else "ASC"
    with connections[walk.db].cursor() as cursor:
        cursor.execute(
            f"SELECT walk.sort_value, walk.contact_id "
            f"FROM ({sql}) AS walk(sort_value, contact_id, matches) WHERE walk.matches "
            f"ORDER BY walk.sort_value {direction}, walk.contact_id {direction} LIMIT %s",
            [*params, wanted],
        )
        page = cursor.fetchall()
    return [(value, pk) for value, pk in page] if len(page) == wanted else None


@dataclass(frozen=True)
class RankedSearch:
    """The search rows a user may find (``rows``: the condition on the
    search table) and the relevance tiers of a search among them. A page is
    read tier by tier, each in order of recency and only as far as the page
    needs: a broad word whose prefix matches fill the page never runs its
    substring search."""

    rows: Q
    tiers: list[Q]

    def tier(self, number: int) -> QuerySet:
        """The rows of tier ``number``: those that meet its condition and
        none of those before it."""
        rows = ContactSearch.objects.filter(self.rows, self.tiers[number])
        earlier = Q()
        for condition in self.tiers[:number]:
            earlier |= condition
        return rows.exclude(earlier) if earlier else rows

    def matching_ids(self) -> QuerySet:
        """The ids of every contact found, in any tier."""
        return self._found().values_list("contact_id", flat=True).order_by()

    def _found(self) -> QuerySet:
        """The rows of every tier.

        Written as the union of the tiers each without the earlier ones,
        which finds the same rows as the tiers' plain union. PostgreSQL
        estimates the plain union's rows far too high, and for an email
        fragment such as ``hannah.b`` in name order walked the name index
        through a third of the contacts (4 s at a million instead of 0.2)."""
        condition, earlier = Q(), Q()
        for tier in self.tiers:
            condition |= tier & ~earlier if earlier else tier
            earlier |= tier
        return ContactSearch.objects.filter(self.rows, condition)

    def _anywhere(self) -> Q:
        """The condition a row of every tier meets: the tiers' plain union
        (the same rows as ``_found``), for a walk that checks row by row,
        where no planner misjudges it."""
        condition = Q()
        for tier in self.tiers:
            condition |= tier
        return self.rows & condition

    def page_ids(self, *, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """The contact ids of the page after ``cursor``, best first, and
        the cursor of the next page (None on the last)."""
        start, after = (0, None) if cursor is None else self._after(cursor)
        found: list[tuple[int, Any, Any]] = []
        for number in range(start, len(self.tiers)):
            found += [
                (number, recency, pk)
                for recency, pk in _first_rows(
                    self.tier(number),
                    BY_RECENCY,
                    after=after if number == start else None,
                    wanted=limit + 1 - len(found),
                    few=FEW_TIER_ROWS,
                )
            ]
            if len(found) > limit:
                break
        next_cursor = None
        if len(found) > limit:
            found = found[:limit]
            number, recency, pk = found[-1]
            next_cursor = encode_cursor([number, recency, pk])
        return [pk for _number, _recency, pk in found], next_cursor

    def ordered_page_ids(
        self, *, order: tuple[str, str], limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        """The contact ids of the page after ``cursor`` of everything found
        in ``order`` (a column of the search table, such as ``display_name``,
        and ``id`` as in the contact list's orders, both ascending or both
        descending) and the next page's cursor, which is the contact list's
        cursor in that order. Read from the search table alone: walking the
        contacts' index of the column would join the search row of every
        contact passed on the way. On PostgreSQL the next
        ``NAME_WALK_ROWS`` rows in the order are checked first
        (``_walked_page``); a page they do not fill is read as a tier is,
        its matches set apart up to ``FEW_MATCHES`` (``_first_rows``)."""
        descending = order[0].startswith("-")
        order = (order[0], "-contact_id" if descending else "contact_id")
        after = None
        if cursor is not None:
            value, pk = decode_cursor(cursor, 2)
            after = (
                parse_cursor_value(ContactSearch, order[0].lstrip("-"), value),
                parse_cursor_value(ContactSearch, "contact", pk),
            )
        found = None
        if default_connection.vendor == "postgresql":
            found = _walked_page(
                self._anywhere(), order, after=after, wanted=limit + 1, bound=NAME_WALK_ROWS
            )
        if found is None:
            rows = self._found()
            if default_connection.vendor == "sqlite" and (few := self._few_ids()) is not None:
                rows = ContactSearch.objects.filter(contact_id__in=few)
            found = _first_rows(rows, order, after=after, wanted=limit + 1, few=FEW_MATCHES)
        next_cursor = encode_cursor(list(found[limit - 1])) if len(found) > limit else None
        return [pk for _value, pk in found[:limit]], next_cursor

    def _few_ids(self) -> list[Any] | None:
        """The ids of everything found when there are at most
        ``FEW_MATCHES``, read tier by tier (each by its own indexes); None
        when there are more. SQLite, asked for everything found in name
        order, walks the name index checking each row against every tier
        (for a phone number's digits: the whole table); given the ids, it
        reads just those."""
        ids: set[Any] = set()
        for condition in self.tiers:
            tier = (
                ContactSearch.objects.filter(self.rows, condition)
                .order_by()
                .values_list("contact_id", flat=True)
            )
            ids.update(tier[: FEW_MATCHES + 1])
            if len(ids) > FEW_MATCHES:
                return None
        return list(ids)

    def _after(self, cursor: str) -> tuple[int, Position]:
        number, recency, pk = decode_cursor(cursor, 3)
        try:
            number = int(number)
        except ValueError:
            number = -1
        if not 0 <= number < len(self.tiers):
            raise FieldErrors.single("cursor", "is not a cursor this list handed out")
        recency = parse_cursor_value(ContactSearch, "recency", recency)
        pk = parse_cursor_value(ContactSearch, "contact", pk)
        return number, (recency, pk)
