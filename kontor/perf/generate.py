"""Synthetic, realistic CRM data at any scale, for benchmarks and load tests.

The rows carry the same derived values the services compute (E.164 numbers,
normalized emails, display names), so lookups and search behave as on real
data; tests check that against the normalization functions."""

import datetime
import itertools
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from kontor.access.models import Role, Team
from kontor.contacts.models import ContactSearch, LifecycleStage
from kontor.contacts.search import search_row_values
from kontor.perf import names
from kontor.perf.bulk import bulk_load, uuid7_at, write_table
from kontor.perf.generate_activities import generate_activities
from kontor.perf.generate_sales import TABLES as SALES_TABLES
from kontor.perf.generate_sales import generate_sales

STAGES = [
    (LifecycleStage.LEAD, 35),
    (LifecycleStage.PROSPECT, 25),
    (LifecycleStage.CUSTOMER, 35),
    (LifecycleStage.FORMER, 5),
]
_STAGE_NAMES = [stage for stage, _ in STAGES]
_STAGE_CUM_WEIGHTS = list(itertools.accumulate(weight for _, weight in STAGES))
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ş": "s", "ç": "c"})


def ascii_slug(text: str) -> str:
    text = text.lower().translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").replace("--", "-")


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
    e164 = f"+49{area}{subscriber}"
    style = rng.randrange(5)
    raw = [
        f"0{area} {subscriber}",
        f"+49 {area} {subscriber}",
        f"0049 {area} {subscriber}",
        f"(0{area}) {subscriber[:3]}-{subscriber[3:]}",
        f"0{area}/{subscriber}",
    ][style]
    return Phone(e164, raw)


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
    counts: dict[str, int] = field(default_factory=dict)
    organization_ids: list = field(default_factory=list)
    organization_domains: list[str] = field(default_factory=list)
    organization_names: dict = field(default_factory=dict)
    organization_owner_ids: list = field(default_factory=list)
    contact_ids: list = field(default_factory=list)
    contact_organization_ids: list = field(default_factory=list)
    heavy_contact_ids: list = field(default_factory=list)


Progress = Callable[[str, int], None]


def _timestamps(rng: random.Random, now: datetime.datetime) -> tuple:
    created = now - datetime.timedelta(days=rng.uniform(1, 5 * 365))
    updated = created + (now - created) * rng.random()
    return created, updated


def _stage(rng: random.Random) -> str:
    return rng.choices(_STAGE_NAMES, cum_weights=_STAGE_CUM_WEIGHTS)[0]


def generate(scale: Scale, progress: Progress) -> Generated:
    rng = random.Random(scale.seed)
    now = datetime.datetime.now(datetime.UTC)
    _sales_reps(scale.users)
    owners = list(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    result = Generated()
    with bulk_load(TABLES, progress):
        _organizations(scale, rng, now, owners, result, progress)
        _contacts(scale, rng, now, owners, result, progress)
        generate_activities(scale, rng, now, owners, result, progress)
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


def _organizations(scale, rng, now, owners, result: Generated, progress: Progress) -> None:
    org_rows, email_rows, phone_rows = [], [], []
    used_domains: set[str] = set()
    for index in range(scale.organizations):
        # Half the companies carry a family name ("Brandmeier Logistik GmbH").
        first = names.surname(rng) if rng.random() < 0.5 else rng.choice(names.COMPANY_WORDS)
        words = [first, rng.choice([w for w in names.COMPANY_WORDS if w != first])]
        name = f"{words[0]} {words[1]} {rng.choice(names.COMPANY_FORMS)}"
        domain = f"{ascii_slug(words[0])}-{ascii_slug(words[1])}.de"
        if domain in used_domains:
            domain = f"{ascii_slug(words[0])}-{ascii_slug(words[1])}-{index}.de"
        used_domains.add(domain)
        created, updated = _timestamps(rng, now)
        pk = uuid7_at(created, rng)
        stage = _stage(rng)
        owner = rng.choice(owners) if owners else None
        org_rows.append(
            (pk, created, updated, stage, "", "{}", 1, name, f"https://www.{domain}", domain, owner)
        )  # fmt: skip
        email_rows.append(("main", 0, f"info@{domain}", f"info@{domain}", domain, None, pk))
        phone = random_phone(rng)
        phone_rows.append(("main", 0, phone.raw, phone.e164, phone.e164[1:], "", None, pk))
        result.organization_ids.append(pk)
        result.organization_domains.append(domain)
        result.organization_names[pk] = name
        result.organization_owner_ids.append(owner)
    org_columns = ["id", "created_at", "updated_at", "lifecycle_stage", "notes", "custom",
                   "version", "name", "website", "domain", "owner_id"]  # fmt: skip
    write_table(
        "organizations", "contacts_organization", org_columns, org_rows, result.counts, progress
    )
    _write_points(email_rows, phone_rows, result, progress)


EMAIL_COLUMNS = ["label", "position", "address", "normalized", "domain", "contact_id",
                 "organization_id"]  # fmt: skip
PHONE_COLUMNS = ["label", "position", "raw", "e164", "digits", "extension", "contact_id",
                 "organization_id"]  # fmt: skip


def _write_points(email_rows, phone_rows, result: Generated, progress: Progress) -> None:
    write_table(
        "email addresses",
        "contacts_emailaddress",
        EMAIL_COLUMNS,
        email_rows,
        result.counts,
        progress,
    )
    write_table(
        "phone numbers", "contacts_phonenumber", PHONE_COLUMNS, phone_rows, result.counts, progress
    )


CONTACT_CHUNK = 100_000
SEARCH_FIELDS = ContactSearch._meta.concrete_fields


def _contacts(scale, rng, now, owners, result: Generated, progress: Progress) -> None:
    columns = ["id", "created_at", "updated_at", "lifecycle_stage", "notes", "custom",
               "version", "first_name", "last_name", "display_name", "owner_id",
               "organization_id"]  # fmt: skip
    for start in range(0, scale.contacts, CONTACT_CHUNK):
        rows, email_rows, phone_rows, search_rows = [], [], [], []
        for index in range(start, min(start + CONTACT_CHUNK, scale.contacts)):
            first, last = rng.choice(names.FIRST_NAMES), names.surname(rng)
            org_index = (
                rng.randrange(len(result.organization_ids))
                if result.organization_ids and rng.random() < 0.7
                else None
            )
            organization = result.organization_ids[org_index] if org_index is not None else None
            created, updated = _timestamps(rng, now)
            pk = uuid7_at(created, rng)
            dirty = rng.random()
            if dirty < 0.05:  # dirty record: only an email address or a phone number known
                first = last = ""
            if org_index is not None:
                domain = result.organization_domains[org_index]
                local = f"{ascii_slug(first) or 'kontakt'}.{ascii_slug(last) or index}"
            else:
                domain = rng.choice(names.FREE_MAIL)
                local = f"{ascii_slug(first) or 'kontakt'}.{ascii_slug(last) or 'x'}{index}"
            address = f"{local}@{domain}"
            has_email = not (0.03 <= dirty < 0.05)
            phone = random_phone(rng, mobile=rng.random() < 0.4)
            has_phone = dirty >= 0.03 and (dirty < 0.05 or rng.random() < 0.8)
            display = f"{first} {last}".strip() or (address if has_email else phone.raw)
            stage = _stage(rng)
            owner = rng.choice(owners) if owners else None
            rows.append(
                (pk, created, updated, stage, "", "{}", 1, first, last, display, owner,
                 organization)
            )  # fmt: skip
            if has_email:
                email_rows.append(("work", 0, address, address.lower(), domain, pk, None))
            if has_phone:
                label = "mobile" if phone.e164.startswith("+491") else "work"
                phone_rows.append((label, 0, phone.raw, phone.e164, phone.e164[1:], "", pk, None))
            search = search_row_values(
                pk, first, last, display, owner, organization,
                result.organization_names[organization] if org_index is not None else None,
                result.organization_owner_ids[org_index] if org_index is not None else None,
                None, None, updated,
                [(address.lower(), address)] if has_email else [],
                [phone.e164[1:]] if has_phone else [],
            )  # fmt: skip
            search_rows.append(tuple([search[f.attname] for f in SEARCH_FIELDS]))
            result.contact_ids.append(pk)
            result.contact_organization_ids.append(organization)
        write_table("contacts", "contacts_contact", columns, rows, result.counts, progress)
        _write_points(email_rows, phone_rows, result, progress)
        # The contact search table, filled as the services would fill it
        # (one row per contact), from the values just written; not counted
        # among the generated rows, which are the records.
        search_columns = [f.column for f in SEARCH_FIELDS]
        table = ContactSearch._meta.db_table
        write_table("contact search", table, search_columns, search_rows, {}, progress)
