"""A small company for the access tests: the acting user ("me") with one of
the default roles in team A, a teammate in team A, a stranger in team B,
and for each of them ("own", "team", "foreign") an organization, a contact
working there (with email, phone, personal notes and financial and special
custom values), a meeting on the contact and files on both.

Every record carries marker strings, so a test can tell from any answer's
raw text whether something of a record or of a field it may not see leaked.

What each default role may do is written down here independently of the
code under test, from the documented defaults (kontor.access.defaults)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kontor.activities.services import activity_create
from kontor.contacts.services import contact_create, organization_create
from kontor.customfields.models import CustomFieldDefinition
from kontor.files.services import attachment_create
from kontor.sales import services as sales
from kontor.service.services import ticket_create
from tests.factories import UserFactory

ROLES = ["administrator", "sales", "service", "team-lead", "data-protection-officer", "read-only"]
SCOPES = ["own", "team", "foreign"]
ALL = set(SCOPES)

# Which records (by owner) each role may read, edit, delete; may it create?
RIGHTS: dict[str, dict[str, Any]] = {
    "administrator": {"read": ALL, "edit": ALL, "delete": ALL, "create": True, "export": ALL},
    "sales": {
        "read": {"own", "team"},
        "edit": {"own", "team"},
        "delete": {"own"},
        "create": True,
        "export": {"own"},
    },
    "service": {"read": ALL, "edit": ALL, "delete": set(), "create": True, "export": set()},
    "team-lead": {
        "read": {"own", "team"},
        "edit": {"own", "team"},
        "delete": {"own", "team"},
        "create": True,
        "export": {"own", "team"},
    },
    "data-protection-officer": {
        "read": ALL,
        "edit": ALL,
        "delete": ALL,
        "create": False,
        "export": ALL,
    },
    "read-only": {"read": ALL, "edit": set(), "delete": set(), "create": False, "export": set()},
}
# Where a role's rights on a type differ from its rights above (the types'
# role_levels, kontor.sales.records, kontor.service.records): service agents read sales records but
# change none; invoices come from the ERP, so only administrators and the
# data protection officer change them; products are master data every role
# reads and only administrators change.
READS_ALL = {"read": ALL, "edit": set(), "delete": set(), "create": False}
SALES_INVOICES = {"read": {"own", "team"}, "edit": set(), "delete": set(), "create": False}
TYPE_RIGHTS: dict[tuple[str, str], dict[str, Any]] = {
    **{
        ("service", key): {**READS_ALL, "export": set()}
        for key in ("deal", "quote", "order", "invoice")
    },
    ("sales", "invoice"): SALES_INVOICES,
    ("team-lead", "invoice"): SALES_INVOICES,
    ("data-protection-officer", "invoice"): {**RIGHTS["data-protection-officer"]},
    **{(role, "product"): READS_ALL for role in ROLES if role != "administrator"},
    # Sales people follow their teams' tickets but delete none (kontor.service.records).
    ("sales", "ticket"): {**RIGHTS["sales"], "delete": set()},
}


def rights_for(role: str, key: str | None = None) -> dict[str, Any]:
    return TYPE_RIGHTS.get((role, key or ""), RIGHTS[role])


# Which field categories each role may read.
READS = {
    "administrator": {"standard", "personal", "financial", "special"},
    "sales": {"standard", "personal", "financial"},
    "service": {"standard", "personal"},
    "team-lead": {"standard", "personal", "financial"},
    "data-protection-officer": {"standard", "personal", "financial", "special"},
    "read-only": {"standard", "personal"},
}
# Custom fields of contacts: key → (category, marker prefix of their values).
CUSTOM_FIELDS = {
    "payment_behaviour": ("financial", "FINMARK"),
    "diagnosis": ("special", "SPECMARK"),
}
PHONES = {"own": "030 1111111", "team": "030 2222222", "foreign": "030 3333333"}
# An invoice's amount per scope: financial, so it must show nowhere to roles
# that may not read financial data.
INVOICE_AMOUNTS = {"own": "73731.41", "team": "73732.42", "foreign": "73733.43"}


@dataclass
class Records:
    scope: str
    owner: Any
    organization: Any
    contact: Any
    meeting: Any
    contact_file: Any
    meeting_file: Any
    deal: Any
    quote: Any
    order: Any
    invoice: Any
    product: Any
    marker: str
    email: str
    phone: str
    ticket: Any = None

    def of(self, key: str) -> Any:
        """This scope's record of the registered type ``key``: the matrix
        walks every type in the registry, so a new type needs its record
        here (kontor.core.records)."""
        made = {
            "contact": self.contact,
            "organization": self.organization,
            "activity": self.meeting,
            "file": self.contact_file,
            "deal": self.deal,
            "quote": self.quote,
            "order": self.order,
            "invoice": self.invoice,
            "product": self.product,
            "ticket": self.ticket,
        }
        if key not in made:
            import pytest

            pytest.fail(
                f"the access world makes no record of type {key!r}: add one to "
                "make_records() and Records.of() in tests/access/world.py",
                pytrace=False,
            )
        return made[key]

    @property
    def ids(self) -> set[str]:
        return {
            str(r.pk)
            for r in (
                self.organization,
                self.contact,
                self.meeting,
                self.contact_file,
                self.meeting_file,
                self.deal,
                self.quote,
                self.order,
                self.invoice,
                self.ticket,
            )
        }


def define_custom_fields() -> None:
    for key, (category, _marker) in CUSTOM_FIELDS.items():
        CustomFieldDefinition.objects.get_or_create(
            object_type="contact",
            key=key,
            defaults={
                "label": key.replace("_", " ").title(),
                "field_type": "text",
                "category": category,
            },
        )


def make_records(scope: str, owner: Any, admin: Any) -> Records:
    marker = f"Zq{scope}Mark"
    email = f"{scope}-person@{scope}mark.example"
    organization = organization_create(
        actor=admin, data={"name": f"{marker} Org", "owner_id": owner.pk}
    )
    contact = contact_create(
        actor=admin,
        data={
            "first_name": marker,
            "last_name": "Person",
            "organization_id": organization.pk,
            "emails": [{"address": email}],
            "phones": [{"number": PHONES[scope]}],
            "notes": f"{marker} notes",
            "owner_id": owner.pk,
            "custom": {key: f"{prefix}-{scope}" for key, (_c, prefix) in CUSTOM_FIELDS.items()},
        },
    )
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = activity_create(
        actor=admin,
        author=owner,
        data={
            "kind": "meeting",
            "subject": f"{marker} meeting",
            "contact_id": contact.pk,
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
        },
    )
    contact_file = attachment_create(
        actor=admin, upload=SimpleUploadedFile(f"{marker}-c.txt", b"contact file"), contact=contact
    )
    meeting_file = attachment_create(
        actor=admin, upload=SimpleUploadedFile(f"{marker}-m.txt", b"meeting file"), activity=meeting
    )
    customer = {"organization_id": organization.pk, "contact_id": contact.pk}
    deal = sales.deal_create(
        actor=admin,
        data={"title": f"{marker} deal", "owner_id": owner.pk, "amount": "1000", **customer},
    )
    # Master data: visible to every role, so it carries no scope's marker.
    product = sales.product_create(
        actor=admin,
        data={"sku": f"MX-{scope}", "name": f"Matrixprodukt {scope}", "net_price": "10",
              "tax_rate": "19"},
    )  # fmt: skip
    quote = sales.quote_create(
        actor=admin,
        data={"deal_id": deal.pk, "owner_id": owner.pk,
              "lines": [{"product_id": product.pk, "quantity": "2"}]},
    )  # fmt: skip
    quote = sales.quote_set_status(actor=admin, quote=quote, status="sent")
    order = sales.order_create(
        actor=admin,
        data={"owner_id": owner.pk, "deal_id": deal.pk,
              "lines": [{"product_id": product.pk, "quantity": "1"}], **customer},
    )  # fmt: skip
    invoice = sales.invoice_create(
        actor=admin,
        data={"number": f"RE-{marker}", "gross_amount": INVOICE_AMOUNTS[scope],
              "order_id": order.pk, "due_date": "2020-01-31", "invoice_date": "2020-01-01",
              **customer},
    )  # fmt: skip
    # Assigned to the scope's user, in no team's queue: it follows its assignee.
    ticket = ticket_create(
        actor=admin,
        data={"subject": f"{marker} ticket", "assignee_id": owner.pk, **customer},
    )
    return Records(
        scope,
        owner,
        organization,
        contact,
        meeting,
        contact_file,
        meeting_file,
        deal,
        quote,
        order,
        invoice,
        product,
        marker,
        email,
        PHONES[scope],
        ticket,
    )


@dataclass
class World:
    role: str
    me: Any
    teammate: Any
    stranger: Any
    admin: Any
    records: dict[str, Records] = field(default_factory=dict)

    def owner(self, scope: str) -> Any:
        return {"own": self.me, "team": self.teammate, "foreign": self.stranger}[scope]

    def may(self, action: str, scope: str, key: str | None = None) -> bool:
        """May this role ``action`` the ``scope``'s record of type ``key``
        (default: the types that follow the role's "*" levels)?"""
        return scope in rights_for(self.role, key)[action]

    def hidden_scopes(self) -> list[str]:
        return [s for s in SCOPES if not self.may("read", s)]

    def forbidden_strings(self) -> list[str]:
        """Text that must appear in no answer to this role."""
        strings = []
        for scope in self.hidden_scopes():
            records = self.records[scope]
            digits = "+49" + records.phone.replace(" ", "")[1:]
            strings += [records.marker, records.email, records.phone, digits, *records.ids]
        for key, (category, prefix) in CUSTOM_FIELDS.items():
            if category not in READS[self.role]:
                strings += [key, prefix]
        if "financial" not in READS[self.role]:
            strings += list(INVOICE_AMOUNTS.values())
        return strings


def build_world(role: str) -> World:
    define_custom_fields()
    admin = UserFactory(username="world-admin", roles=["administrator"])
    world = World(
        role=role,
        me=UserFactory(username=f"me-{role}", roles=[role], teams=["Team A"]),
        teammate=UserFactory(username="teammate", roles=["sales"], teams=["Team A"]),
        stranger=UserFactory(username="stranger", roles=["sales"], teams=["Team B"]),
        admin=admin,
    )
    for scope in SCOPES:
        world.records[scope] = make_records(scope, world.owner(scope), admin)
    return world
