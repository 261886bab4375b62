"""Synthetic, realistic CRM data at any scale, for benchmarks and load tests.

The rows carry the same derived values the services compute (E.164 numbers,
normalized emails, display names), so lookups and search behave as on real
data; tests check that against the normalization functions."""

import datetime
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from kontor.access.models import Role, Team
from kontor.contacts.models import ContactSearch
from kontor.contacts.search import fold
from kontor.perf import names
from kontor.perf.bulk import bulk_load, write_table
from kontor.perf.draw import Draw
from kontor.perf.generate_activities import generate_activities
from kontor.perf.generate_sales import TABLES as SALES_TABLES
from kontor.perf.generate_sales import generate_sales

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ş": "s", "ç": "c"})


def ascii_slug(text: str) -> str:
    text = text.lower().translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").replace("--", "-")


class _Slugs(dict):
    """``ascii_slug`` of each name, worked out the first time it is asked
    for (the names come from short lists)."""

    def __missing__(self, text: str) -> str:
        self[text] = ascii_slug(text)
        return self[text]


_SLUGS = _Slugs()


@dataclass
class Phone:
    e164: str
    raw: str


def random_phone(rng: random.Random, *, mobile: bool = False) -> Phone:
    """A phone number with its E.164 form and one of the many ways people type it."""
    if rng.random() < 0.1:
        country, area, length = rng.choice(names.FOREIGN_AREAS)
        subscriber = "".join(rng.choices("0123456789", k=length))
        subscriber = str(rng.randint(2, 9)) + subscriber[1:]
        return Phone(f"+{country}{area}{subscriber}", f"+{country} {area} {subscriber}")
    if mobile:
        area, length = rng.choice(names.GERMAN_MOBILE), 8
    else:
        area, length = rng.choice(names.GERMAN_AREAS)
    subscriber = str(rng.randint(2, 9)) + "".join(rng.choices("0123456789", k=length - 1))
    return Phone(f"+49{area}{subscriber}", _typed(area, subscriber, rng.randrange(5)))


def _typed(area: str, subscriber: str, style: int) -> str:
    """A German number as people type it, in one of five ways."""
    if style == 0:
        return f"0{area} {subscriber}"
    if style == 1:
        return f"+49 {area} {subscriber}"
    if style == 2:
        return f"0049 {area} {subscriber}"
    if style == 3:
        return f"(0{area}) {subscriber[:3]}-{subscriber[3:]}"
    return f"0{area}/{subscriber}"


# Subscriber numbers of each length: the first digit 2 to 9, the rest any.
_SUBSCRIBERS = {length: (2 * 10 ** (length - 1), 8 * 10 ** (length - 1)) for length in range(5, 10)}


def random_phones(rng: random.Random, count: int, *, mobile_share: float = 0.0) -> list[Phone]:
    """``count`` numbers as ``random_phone`` makes them (a share
    ``mobile_share`` of the German ones mobile), drawn in bulk: a few calls
    into ``rng`` per number instead of a dozen."""
    rolls = [rng.random() for _ in range(count)]
    fractions = [rng.random() for _ in range(count)]
    foreign = rng.choices(names.FOREIGN_AREAS, k=count)
    landline = rng.choices(names.GERMAN_AREAS, k=count)
    mobile = rng.choices(names.GERMAN_MOBILE, k=count)
    styles = rng.choices(range(5), k=count)
    mobile_below = 0.1 + 0.9 * mobile_share
    phones = []
    for roll, fraction, (country, abroad, abroad_length), (area, length), prefix, style in zip(
        rolls, fractions, foreign, landline, mobile, styles, strict=True
    ):
        if roll < 0.1:
            low, span = _SUBSCRIBERS[abroad_length]
            subscriber = str(low + int(fraction * span))
            phones.append(
                Phone(f"+{country}{abroad}{subscriber}", f"+{country} {abroad} {subscriber}")
            )
            continue
        if roll < mobile_below:
            area, length = prefix, 8
        low, span = _SUBSCRIBERS[length]
        subscriber = str(low + int(fraction * span))
        phones.append(Phone(f"+49{area}{subscriber}", _typed(area, subscriber, style)))
    return phones


@dataclass
class Scale:
    contacts: int
    organizations: int
    activities: int
    seed: int = 1
    users: int = 0
    deals: int = 0


@dataclass
class Generated:
    """What a load wrote: the rows per label, and the generated records' keys
    (as the 32 hex digits written) and the values later generators need."""

    counts: dict[str, int] = field(default_factory=dict)
    organization_ids: list = field(default_factory=list)
    organization_domains: list[str] = field(default_factory=list)
    organization_names: dict = field(default_factory=dict)
    organization_owner_ids: list = field(default_factory=list)
    contact_ids: list = field(default_factory=list)
    contact_organization_ids: list = field(default_factory=list)
    heavy_contact_ids: list = field(default_factory=list)


Progress = Callable[[str, int], None]


def generate(scale: Scale, progress: Progress) -> Generated:
    rng = random.Random(scale.seed)
    now = datetime.datetime.now(datetime.UTC)
    _sales_reps(scale.users)
    owners = list(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    result = Generated()
    draw = Draw(rng, now, owners)
    with bulk_load(TABLES, progress):
        _organizations(scale, draw, result, progress)
        _contacts(scale, draw, result, progress)
        generate_activities(scale, draw, result, progress)
    if scale.deals:
        with bulk_load(SALES_TABLES, progress):
            generate_sales(scale, rng, now, owners, result, progress)
    return result


TEAM_SIZE = 8


def _sales_reps(count: int) -> None:
    """``count`` sales reps (role ``sales``) in teams of eight, to own the
    generated records, so that team-scoped reads have realistic shares."""
    users = get_user_model().objects
    role = Role.objects.get(slug="sales")
    first = users.filter(username__startswith="rep-").count()
    for number in range(first + 1, first + count + 1):
        team, _ = Team.objects.get_or_create(name=f"Vertrieb {(number - 1) // TEAM_SIZE + 1}")
        rep = users.create_user(f"rep-{number}", f"rep-{number}@kontor-bench.example")
        rep.set_unusable_password()
        rep.save(update_fields=["password"])
        rep.kontor_roles.add(role)
        team.members.add(rep)


TABLES = ["contacts_organization", "contacts_contact", "contacts_emailaddress",
          "contacts_phonenumber", "contacts_contactsearch", "activities_activity"]  # fmt: skip


def _organizations(scale, draw: Draw, result: Generated, progress: Progress) -> None:
    count, rng, moment, slugs = scale.organizations, draw.rng, draw.moment, _SLUGS
    org_rows, email_rows, phone_rows = [], [], []
    used_domains: set[str] = set()
    words = names.COMPANY_WORDS
    # Half the companies carry a family name ("Brandmeier Logistik GmbH").
    family = [rng.random() < 0.5 for _ in range(count)]
    firsts = [
        surname if is_family else word
        for is_family, surname, word in zip(
            family, names.surnames(rng, count), rng.choices(words, k=count), strict=True
        )
    ]
    for index, first, second, form, (created, updated), stage, owner, phone in zip(
        range(count),
        firsts,
        rng.choices(words, k=count),
        rng.choices(names.COMPANY_FORMS, k=count),
        draw.created(count),
        draw.stages(count),
        draw.owners_of(count),
        random_phones(rng, count),
        strict=True,
    ):
        while second == first:  # two different words
            second = rng.choice(words)
        name = f"{first} {second} {form}"
        domain = f"{slugs[first]}-{slugs[second]}.de"
        if domain in used_domains:
            domain = f"{slugs[first]}-{slugs[second]}-{index}.de"
        used_domains.add(domain)
        pk = draw.uuid7(created)
        org_rows.append(
            (pk, moment(created), moment(updated), stage, "", "{}", 1, name,
             f"https://www.{domain}", domain, owner)
        )  # fmt: skip
        email_rows.append(("main", 0, f"info@{domain}", f"info@{domain}", domain, None, pk))
        phone_rows.append(("main", 0, phone.raw, phone.e164, phone.e164[1:], "", None, pk))
        result.organization_ids.append(pk)
        result.organization_domains.append(domain)
        result.organization_names[pk] = name
        result.organization_owner_ids.append(owner)
    org_columns = ["id", "created_at", "updated_at", "lifecycle_stage", "notes", "custom",
                   "version", "name", "website", "domain", "owner_id"]  # fmt: skip
    write_table(
        "organizations",
        "contacts_organization",
        org_columns,
        org_rows,
        result.counts,
        progress,
        stored=True,
    )
    _write_points(email_rows, phone_rows, result, progress)


EMAIL_COLUMNS = ["label", "position", "address", "normalized", "domain", "contact_id",
                 "organization_id"]  # fmt: skip
PHONE_COLUMNS = ["label", "position", "raw", "e164", "digits", "extension", "contact_id",
                 "organization_id"]  # fmt: skip


def _write_points(email_rows, phone_rows, result: Generated, progress: Progress) -> None:
    for label, table, columns, rows in (
        ("email addresses", "contacts_emailaddress", EMAIL_COLUMNS, email_rows),
        ("phone numbers", "contacts_phonenumber", PHONE_COLUMNS, phone_rows),
    ):
        write_table(label, table, columns, rows, result.counts, progress, stored=True)


CONTACT_CHUNK = 100_000
CONTACT_COLUMNS = ["id", "created_at", "updated_at", "lifecycle_stage", "notes", "custom",
                   "version", "first_name", "last_name", "display_name", "owner_id",
                   "organization_id"]  # fmt: skip


def _contacts(scale, draw: Draw, result: Generated, progress: Progress) -> None:
    for start in range(0, scale.contacts, CONTACT_CHUNK):
        rows, email_rows, phone_rows, search_rows = [], [], [], []
        _contact_rows(
            range(start, min(start + CONTACT_CHUNK, scale.contacts)),
            draw,
            result,
            (rows, email_rows, phone_rows, search_rows),
        )
        write_table(
            "contacts",
            "contacts_contact",
            CONTACT_COLUMNS,
            rows,
            result.counts,
            progress,
            stored=True,
        )
        _write_points(email_rows, phone_rows, result, progress)
        # The contact search table, filled as the services would fill it
        # (one row per contact), from the values just written; not counted
        # among the generated rows, which are the records.
        search_columns = [ContactSearch._meta.get_field(name).column for name in SEARCH_FIELDS]
        table = ContactSearch._meta.db_table
        write_table("contact search", table, search_columns, search_rows, {}, progress, stored=True)


# The fields of a contact's search row as ``_contact_rows`` builds it: the
# values ``kontor.contacts.search.search_row_values`` gives, from parts
# folded once per name (tests compare the rows with those the services
# compute).
SEARCH_FIELDS = ["contact_id", "owner_id", "organization_id", "organization_owner_id", "archived",
                 "processing_restricted_at", "last_key", "name_key", "organization_key",
                 "email_key", "names", "emails", "phones", "recency", "display_name"]  # fmt: skip


class _Folded(dict):
    """``fold`` of each text, worked out the first time it is asked for."""

    def __missing__(self, text: str) -> str:
        self[text] = fold(text)
        return self[text]


def _contact_rows(numbers: range, draw: Draw, result: Generated, out: tuple) -> None:
    """The rows of the contacts ``numbers`` (their records, email addresses,
    phone numbers and search rows, appended to ``out``), their values drawn
    in bulk, a list per column."""
    rows, email_rows, phone_rows, search_rows = out
    count, rng, moment, slugs = len(numbers), draw.rng, draw.moment, _SLUGS
    folded = _Folded()
    organizations = len(result.organization_ids)
    random_ = rng.random
    for (
        index, first, last, org_index, joins, (created, updated), dirty, free_mail, phone, keeps,
        stage, owner,
    ) in zip(
        numbers,
        rng.choices(names.FIRST_NAMES, k=count),
        names.surnames(rng, count),
        rng.choices(range(organizations), k=count) if organizations else [None] * count,
        [random_() for _ in range(count)],
        draw.created(count),
        [random_() for _ in range(count)],
        rng.choices(names.FREE_MAIL, k=count),
        random_phones(rng, count, mobile_share=0.4),
        [random_() for _ in range(count)],
        draw.stages(count),
        draw.owners_of(count),
        strict=True,
    ):  # fmt: skip
        if joins >= 0.7:
            org_index = None
        organization = None if org_index is None else result.organization_ids[org_index]
        pk = draw.uuid7(created)
        if dirty < 0.05:  # dirty record: only an email address or a phone number known
            first = last = ""
        if org_index is not None:
            domain = result.organization_domains[org_index]
            local = f"{slugs[first] or 'kontakt'}.{slugs[last] or index}"
        else:
            domain = free_mail
            local = f"{slugs[first] or 'kontakt'}.{slugs[last] or 'x'}{index}"
        address = f"{local}@{domain}"
        has_email = not (0.03 <= dirty < 0.05)
        has_phone = dirty >= 0.03 and (dirty < 0.05 or keeps < 0.8)
        display = f"{first} {last}".strip() or (address if has_email else phone.raw)
        recency = moment(updated)
        rows.append(
            (pk, moment(created), recency, stage, "", "{}", 1, first, last, display, owner,
             organization)
        )  # fmt: skip
        if has_email:
            email_rows.append(("work", 0, address, address.lower(), domain, pk, None))
        if has_phone:
            label = "mobile" if phone.e164.startswith("+491") else "work"
            phone_rows.append((label, 0, phone.raw, phone.e164, phone.e164[1:], "", pk, None))
        # The address is lower-case ASCII: folded, it stays as it is.
        email = address if has_email else ""
        name_key = folded[f"{first} {last}"]
        search_rows.append(
            (pk, owner, organization,
             None if org_index is None else result.organization_owner_ids[org_index], False,
             None, folded[last], name_key,
             "" if org_index is None else folded[result.organization_names[organization]],
             email, name_key, email, phone.e164[1:] if has_phone else "", recency, display)
        )  # fmt: skip
        result.contact_ids.append(pk)
        result.contact_organization_ids.append(organization)
