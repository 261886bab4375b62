"""Reads of organizations and contacts. Every list, detail page, search and
lookup starts from ``visible_contacts`` / ``visible_organizations``, the one
place where the rules of who may see which record are applied."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Length

from kontor.access.grants import access_for
from kontor.access.policy import (
    FieldAccess,
    fields_for,
    readable,
    readable_condition,
    restrict,
    restricted_among,
)
from kontor.contacts.models import Contact, EmailAddress, Organization, PhoneNumber
from kontor.contacts.normalization import (
    InvalidContactPoint,
    digits_for_search,
    is_free_mail_domain,
    main_number_candidates,
    normalize_email,
    phone_lookup_candidates,
)
from kontor.contacts.search import (
    PHONE_LIKE,
    SEARCH_TABLE_ORDERS,
    RankedSearch,
    SearchScope,
    matching_ids,
    relevance_tiers,
    text_match,
)
from kontor.core.ids import parse_uuid
from kontor.core.models import prefetch_list
from kontor.core.pagination import Page, paginate
from kontor.core.prepared import fetch_compiled, prepared_statements
from kontor.core.records import scored_below

User = AbstractBaseUser | AnonymousUser

MIN_PHONE_FRAGMENT_DIGITS = 3
MAX_SEARCH_TERMS = 8
# The most records one lookup answers with (a switchboard number may be on many).
LOOKUP_LIMIT = 50
# Larger ids exist in no database; asking for one would overflow SQLite's integers.
MAX_ID = 2**63 - 1


def visible_contacts(user: User) -> QuerySet[Contact]:
    """The contacts the user may read, by the access policy (kontor.access)."""
    return restrict(Contact.objects.all(), user, "contact")


def visible_organizations(user: User) -> QuerySet[Organization]:
    """The organizations the user may read, by the access policy (kontor.access)."""
    return restrict(Organization.objects.all(), user, "organization")


def _with_details(queryset: QuerySet) -> QuerySet:
    """The records with their organization, email addresses, phone numbers
    and tags; the last three as plain lists (``email_list``, ``phone_list``,
    ``tag_list``; ``kontor.core.models.prefetch_list``). Not the owner, whom
    only a record's own page names: a user per row cost a page of 50
    contacts a tenth of its time."""
    queryset = queryset.prefetch_related(
        prefetch_list("emails"), prefetch_list("phones"), prefetch_list("tags")
    )
    if queryset.model is Contact:
        queryset = queryset.select_related("organization")
    return queryset


def parse_id(value: Any) -> int | None:
    """A user id from an int or a string of digits; None for anything else."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def _searchable(text: str) -> str:
    """A search text without NUL characters, which no stored text contains
    (and PostgreSQL refuses in a query)."""
    return (text or "").replace("\x00", "")


def contact_get(*, user: User, contact_id: Any) -> Contact | None:
    pk = parse_uuid(contact_id)
    if pk is None:
        return None
    return _with_details(visible_contacts(user)).select_related("owner").filter(pk=pk).first()


def organization_get(*, user: User, organization_id: Any) -> Organization | None:
    pk = parse_uuid(organization_id)
    if pk is None:
        return None
    return _with_details(visible_organizations(user)).select_related("owner").filter(pk=pk).first()


def _term_branches(
    term: str,
    *,
    organizations: QuerySet | None,
    name_fields: list[str],
    fields: FieldAccess,
) -> list[Q]:
    """The ways a record matches a word, by the fields the user may read and
    only those: by name, by its organization's name, by an email address, by
    a phone number. Every field is matched through its substring index
    (kontor.contacts.search), so the database never scans all records."""
    model = Contact if organizations is not None else Organization
    owner = model._meta.model_name
    names = model.objects.filter(text_match(model, name_fields, term))
    branches = [matching_ids("pk", names.values_list("pk", flat=True))]
    if organizations is not None:  # contacts: by the names of the organizations the user sees
        named = organizations.filter(text_match(Organization, ["name"], term))
        branches.append(matching_ids("organization", named.values_list("pk", flat=True)))
    if "emails" in fields:
        emails = EmailAddress.objects.filter(
            text_match(EmailAddress, ["normalized", "address"], term),
            **{f"{owner}__isnull": False},
        )
        branches.append(matching_ids("pk", emails.values_list(f"{owner}_id", flat=True)))
    if "phones" in fields and (phones := _phone_owner_ids(term, owner=owner)) is not None:
        branches.append(matching_ids("pk", phones.values_list(f"{owner}_id", flat=True)))
    return [branch for branch in branches if branch is not None]


def _united(model: type, branches: list[Q]) -> Q:
    """One condition for "matches by any branch": the ids of each branch
    united in one subquery, so that each can use its own index."""
    first, *rest = (model.objects.filter(branch).values("pk").order_by() for branch in branches)
    return Q(pk__in=first.union(*rest) if rest else first)


def _phone_owner_ids(text: str, *, owner: str) -> QuerySet | None:
    """Ids of the records with a phone number that is ``text`` in any format,
    or that contains its digits (``030 12`` finds +49 30 1234567)."""
    digits = digits_for_search(text)
    if len(digits) < MIN_PHONE_FRAGMENT_DIGITS:
        return None
    phones = text_match(PhoneNumber, ["digits"], digits)
    if candidates := phone_lookup_candidates(text):
        phones |= Q(e164__in=candidates)
    return PhoneNumber.objects.filter(phones, **{f"{owner}__isnull": False}).values(f"{owner}_id")


def _phone_matches(text: str, *, owner: str) -> Q | None:
    ids = _phone_owner_ids(text, owner=owner)
    return Q(pk__in=ids) if ids is not None else None


@dataclass(frozen=True)
class Found:
    """The records of a list or a search. A search also has its branches:
    subsets of ``base`` (the records before the search) whose union is all
    it found, which ``page`` pages one by one."""

    records: QuerySet | Callable[[], QuerySet]
    base: QuerySet | None = None
    branches: list[QuerySet] = field(default_factory=list)
    # A contact search: its pages go by relevance unless asked otherwise.
    ranked: RankedSearch | None = None

    @cached_property
    def queryset(self) -> QuerySet:
        """Everything found. A contact search builds it on first use: a
        page by relevance never needs it, and building its condition (every
        tier at once) costs a third of the search's own time in Python."""
        return self.records() if callable(self.records) else self.records

    def page(
        self, *, order: tuple[str, str], limit: int, cursor: str | None, relevance: bool = True
    ) -> Page:
        """The page after ``cursor``; a contact search's pages go by
        relevance unless ``relevance`` is False, then by ``order`` too."""
        if self.ranked is not None and relevance:
            return _contacts_page(*self.ranked.page_ids(limit=limit, cursor=cursor))
        if self.ranked is not None and order[0].lstrip("-") in SEARCH_TABLE_ORDERS:
            return _contacts_page(
                *self.ranked.ordered_page_ids(order=order, limit=limit, cursor=cursor)
            )
        if not self.branches:
            return paginate(self.queryset, order=order, limit=limit, cursor=cursor)
        return paginate(
            _with_details(self.base), order=order, limit=limit, cursor=cursor,
            candidates=self.branches,
        )  # fmt: skip


def _contacts_page(ids: list[Any], next_cursor: str | None) -> Page:
    """The page of these contacts, in this order."""
    records = {c.pk: c for c in _with_details(Contact.objects.filter(pk__in=ids))}
    return Page(items=[records[pk] for pk in ids if pk in records], next=next_cursor)


def _search(queryset: QuerySet, q: str, **kwargs: Any) -> Found:
    """Records of ``queryset`` that match every word of ``q``; a ``q`` that is
    a phone number typed with spaces also matches as a whole.

    The branches are those of the first word (and of the whole number), each
    narrowed by the other words: every match is in one of them."""
    q = _searchable(q).strip()
    model = queryset.model
    terms = q.split()[:MAX_SEARCH_TERMS]
    if not terms:
        return Found(_with_details(queryset))
    per_term = [_term_branches(term, **kwargs) for term in terms]
    branches = []
    if all(per_term):
        rest = Q()
        for other in per_term[1:]:
            rest &= _united(model, other)
        branches = [branch & rest for branch in per_term[0]]
    if len(terms) > 1 and PHONE_LIKE.match(q) and "phones" in kwargs["fields"]:
        owner = queryset.model._meta.model_name
        if (whole_number := _phone_matches(q, owner=owner)) is not None:
            branches.append(whole_number)
    if not branches:
        return Found(queryset.none())
    matching = _united(model, branches) if len(branches) > 1 else branches[0]
    return Found(
        _with_details(queryset.filter(matching)),
        base=queryset,
        branches=[queryset.filter(branch) for branch in branches],
    )


def _with_tag(queryset: QuerySet, tag: str) -> QuerySet:
    # A subquery, not a join: a record is listed once even if two of its tags
    # differ only in case.
    through = queryset.model.tags.through
    owner = f"{queryset.model._meta.model_name}_id"
    return queryset.filter(
        Exists(through.objects.filter(**{owner: OuterRef("pk")}, tag__name__iexact=tag))
    )


def _with_quality_below(queryset: QuerySet, key: str, below: int) -> QuerySet:
    """Records whose stored quality score is below ``below`` (none without
    a quality layer: no record has a score then)."""
    ids = scored_below(key, below)
    return queryset.filter(pk__in=ids) if ids is not None else queryset.none()


def contact_search(
    *,
    user: User,
    q: str = "",
    lifecycle_stage: str | None = None,
    organization_id: Any = None,
    owner_id: int | None = None,
    tag: str | None = None,
    quality_below: int | None = None,
) -> Found:
    """The contacts the user may read that pass the filters and match
    ``q``, the most relevant first (kontor.contacts.search.relevance_tiers);
    archived ones are left out."""
    contacts = visible_contacts(user).filter(archived_at__isnull=True)
    filtered = False
    if lifecycle_stage:
        contacts = contacts.filter(lifecycle_stage=lifecycle_stage)
        filtered = True
    if organization_id:
        organization_pk = parse_uuid(organization_id)
        if organization_pk is None:
            return Found(Contact.objects.none())
        # Only an organization the user may see: the filter must not tell
        # which contacts belong to a hidden one.
        visible = visible_organizations(user).filter(pk=organization_pk)
        contacts = contacts.filter(organization__in=visible.values("pk"))
        filtered = True
    if owner_id:
        owner_pk = parse_id(owner_id)
        if owner_pk is None:
            return Found(Contact.objects.none())
        contacts = contacts.filter(owner_id=owner_pk)
        filtered = True
    if tag := _searchable(tag or "").strip():
        contacts = _with_tag(contacts, tag)
        filtered = True
    if quality_below is not None:
        contacts = _with_quality_below(contacts, "contact", quality_below)
        filtered = True
    tiers = relevance_tiers(_searchable(q), _search_scope(user), max_words=MAX_SEARCH_TERMS)
    if not tiers:
        return Found(_with_details(contacts))
    rows = Q(archived=False)
    readable = readable_condition(
        user, "contact", owner="owner", record="pk", restricted="processing_restricted_at"
    )
    if readable is not None:
        rows &= readable
    if filtered:
        rows &= Q(contact_id__in=contacts.values("pk"))
    ranked = RankedSearch(rows=rows, tiers=tiers)
    return Found(
        lambda: _with_details(contacts.filter(pk__in=ranked.matching_ids())), ranked=ranked
    )


def _search_scope(user: User) -> SearchScope:
    """What ``user`` may find contacts by: email addresses and phone numbers
    only if they may read them, an organization's name only if they may see
    the organization and its name."""
    fields = fields_for(user, "contact")
    organizations: Q | None = None
    if "name" in fields_for(user, "organization"):
        organizations = (
            readable_condition(
                user, "organization", owner="organization_owner", record="organization"
            )
            or Q()
        )
    return SearchScope(emails="emails" in fields, phones="phones" in fields,
                       organizations=organizations)  # fmt: skip


def contact_list(**filters: Any) -> QuerySet[Contact]:
    return contact_search(**filters).queryset


def organization_search(
    *,
    user: User,
    q: str = "",
    lifecycle_stage: str | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
    quality_below: int | None = None,
) -> Found:
    """The organizations the user may read that pass the filters and match
    ``q``; archived ones are left out."""
    organizations = visible_organizations(user).filter(archived_at__isnull=True)
    if lifecycle_stage:
        organizations = organizations.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        owner_pk = parse_id(owner_id)
        if owner_pk is None:
            return Found(Organization.objects.none())
        organizations = organizations.filter(owner_id=owner_pk)
    if tag := _searchable(tag or "").strip():
        organizations = _with_tag(organizations, tag)
    if quality_below is not None:
        organizations = _with_quality_below(organizations, "organization", quality_below)
    return _search(
        organizations,
        q,
        organizations=None,
        name_fields=["name", "domain", "website"],
        fields=fields_for(user, "organization"),
    )


def organization_list(**filters: Any) -> QuerySet[Organization]:
    return organization_search(**filters).queryset


def organization_contacts(*, user: User, organization: Organization) -> QuerySet[Contact]:
    return _with_details(visible_contacts(user).filter(organization=organization)).order_by(
        "display_name", "id"
    )


# Lookup -----------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    record: Contact | Organization
    # Which contact point matched: "phone", "phone_main_number" (the number is
    # an extension of the record's main number), "email" or "email_domain".
    reason: str

    @property
    def type(self) -> str:
        return "contact" if isinstance(self.record, Contact) else "organization"

    @property
    def organization(self) -> Organization | None:
        return self.record.organization if isinstance(self.record, Contact) else None


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, Any]] = set()
    unique = []
    for match in matches:
        key = (match.type, match.record.pk)
        if key not in seen:
            seen.add(key)
            unique.append(match)
    return unique


@prepared_statements()
def lookup_phone(*, user: User, number: str, restricted: list | None = None) -> list[Match]:
    """Contacts and organizations with this number, best first: the most
    likely reading of the number first, people before organizations; then,
    for an extension behind a main number (+49 30 1234-567 calling, +49 30
    1234-0 stored), the records of that main number, organizations first.
    ``restricted``, if given, gains the people with the number the user
    would see but for the restriction of their processing (GDPR Art. 18).

    One query on the ``e164`` index, whatever the table's size, prepared
    (planned once per connection)."""
    candidates = phone_lookup_candidates(number)
    if not candidates:
        return []
    rank = {e164: index for index, e164 in enumerate(candidates)}
    for main, digits_left_off in main_number_candidates(candidates[0]):
        rank.setdefault(main, len(candidates) + digits_left_off)
    phones = _readable_points(
        user,
        "phones",
        PhoneNumber.objects.filter(e164__in=list(rank)).select_related(
            "contact__organization", "organization"
        ),
        params=list(rank),
        # Exact numbers before main numbers, so a cut keeps them.
        order=(
            Case(When(e164__in=candidates, then=Value(0)), default=Value(1)),
            Length("e164").desc(),
            "id",
        ),
        restricted=restricted,
    )

    def order(phone: PhoneNumber) -> tuple:
        exact = phone.e164 in candidates
        people_first = phone.contact_id is None if exact else phone.contact_id is not None
        return (rank[phone.e164], people_first, phone.position)

    return _dedupe(
        [
            Match(
                record=p.owner_record,
                reason="phone" if p.e164 in candidates else "phone_main_number",
            )
            for p in sorted(phones, key=order)
        ]
    )


@prepared_statements()
def lookup_email(*, user: User, address: str, restricted: list | None = None) -> list[Match]:
    """Contacts and organizations with this address; when no person has it, the
    organization that owns the address's domain (never for free-mail domains).
    ``restricted`` as for ``lookup_phone``.

    Raises InvalidContactPoint for something that is no email address."""
    email = normalize_email(address)
    emails = _readable_points(
        user,
        "emails",
        EmailAddress.objects.filter(normalized=email.normalized).select_related(
            "contact__organization", "organization"
        ),
        params=[email.normalized],
        order=("id",),
        restricted=restricted,
    )
    ordered = sorted(emails, key=lambda e: (e.contact_id is None, e.position))
    matches = [Match(record=e.owner_record, reason="email") for e in ordered]
    if (
        not any(m.type == "contact" for m in matches)
        and not restricted
        and not is_free_mail_domain(email.domain)
    ):
        # Two index lookups united, not an OR that would scan all organizations.
        same_domain = Organization.objects.filter(domain=email.domain).values("pk").order_by()
        if "emails" in fields_for(user, "organization"):
            same_domain = same_domain.union(
                EmailAddress.objects.filter(domain=email.domain, organization__isnull=False)
                .values("organization_id")
                .order_by()
            )
        # As for the contact points: the few organizations first, then
        # their owners checked; the whole condition only for a crowded domain.
        domain_organizations = Organization.objects.filter(pk__in=same_domain).order_by(
            "name", "id"
        )
        found = list(domain_organizations[: LOOKUP_LIMIT + 1])
        if len(found) > LOOKUP_LIMIT:
            found = list(
                visible_organizations(user)
                .filter(pk__in=same_domain)
                .order_by("name", "id")[:LOOKUP_LIMIT]
            )
        by_domain = readable(user, found)[:20]
        matches += [Match(record=o, reason="email_domain") for o in by_domain]
    return _dedupe(matches)


def _readable_points(
    user: User,
    field: str,
    points: QuerySet,
    *,
    params: Sequence,
    order: tuple,
    restricted: list | None = None,
) -> list:
    """At most ``LOOKUP_LIMIT`` of ``points`` (the phone numbers or email
    addresses of one lookup) whose owner the user may read, with ``field``;
    the caller sorts them.

    The index finds the few contact points of a number or an address first;
    only their owners are then checked against the user's access
    (``readable``: in memory, or with one look at the shares). The one query
    with the whole visibility condition in it cost more to build and to
    plan than to run. Only a number or address on more records than the
    limit takes that query, in ``order``, so that the cut keeps the best.
    ``restricted`` gains the owners the user would read but for the
    restriction of their processing. ``params`` are the values ``points``
    filters by, in their order: the SQL of each field and count of values
    is built once (``fetch_compiled``)."""
    found = fetch_compiled(
        points.order_by()[: LOOKUP_LIMIT + 1], key=(__name__, field, len(params)), params=params
    )
    if len(found) > LOOKUP_LIMIT:
        contacts, organizations = _searchable_by(user, field)
        return list(
            points.filter(_owned_by(contacts, organizations)).order_by(*order)[:LOOKUP_LIMIT]
        )
    may_read = {
        "contact": field in fields_for(user, "contact"),
        "organization": field in fields_for(user, "organization"),
    }
    candidates = [p for p in found if may_read["contact" if p.contact_id else "organization"]]
    if restricted is not None:
        restricted += restricted_among(user, [p.owner_record for p in candidates])
    owners = {id(record) for record in readable(user, [p.owner_record for p in candidates])}
    return [p for p in candidates if id(p.owner_record) in owners]


def _owned_by(contacts: QuerySet, organizations: QuerySet) -> Q:
    """Contact points owned by one of ``contacts`` or ``organizations``.

    A correlated EXISTS on the owner's primary key: the database checks only
    the few rows the contact-point index found, instead of collecting every
    visible record first (``contact__in=...``), which scans the whole table."""
    return Q(Exists(contacts.filter(pk=OuterRef("contact_id")))) | Q(
        Exists(organizations.filter(pk=OuterRef("organization_id")))
    )


def _searchable_by(user: User, field: str) -> tuple[QuerySet, QuerySet]:
    """The visible contacts and organizations whose ``field`` (phones, emails)
    the user may read: a record is never found by what the user cannot see."""
    contacts = visible_contacts(user)
    organizations = visible_organizations(user)
    if field not in fields_for(user, "contact"):
        contacts = contacts.none()
    if field not in fields_for(user, "organization"):
        organizations = organizations.none()
    return contacts, organizations


def lookup(
    *,
    user: User,
    phone: str | None = None,
    email: str | None = None,
    restricted: list | None = None,
) -> list[Match]:
    """Matches for a phone number, an email address or both, best first and
    each record once; ``restricted`` as for ``lookup_phone``.

    Raises InvalidContactPoint for an ``email`` that is no email address."""
    access_for(user)  # the user's rights are read first, whatever is looked up
    matches = []
    if phone is not None:
        matches += lookup_phone(user=user, number=phone, restricted=restricted)
    if email is not None:
        matches += lookup_email(user=user, address=email, restricted=restricted)
    return _dedupe(matches)


def persons_with(*, email: str | None = None, phone: str | None = None) -> list[Contact]:
    """Every contact with this email address or phone number, whoever owns
    it: the data protection officer finds the person who asks about their
    data (``PersonalData.find``). Exact numbers only, never the records of
    a main number. Raises InvalidContactPoint for something that is no
    email address or phone number."""
    if email is not None:
        normalized = normalize_email(email).normalized
        points = EmailAddress.objects.filter(normalized=normalized, contact__isnull=False)
    else:
        candidates = phone_lookup_candidates(phone or "")
        if not candidates:
            raise InvalidContactPoint("no phone number")
        points = PhoneNumber.objects.filter(e164__in=candidates, contact__isnull=False)
    ids = points.values("contact_id").order_by()
    return list(Contact.objects.filter(pk__in=ids).order_by("display_name", "id")[:20])
