"""Conditions: each operator, custom fields, nested groups, and checks on save."""

import pytest

from kontor.contacts.services import contact_update
from kontor.core.exceptions import FieldErrors
from kontor.core.records import record_type
from kontor.customfields.models import CustomFieldDefinition
from kontor.sales import services as sales
from kontor.workflow.conditions import holds
from tests.workflow.conftest import make_rule

pytestmark = pytest.mark.django_db


def single(field, op, value=None):
    item = {"field": field, "op": op}
    if value is not None:
        item["value"] = value
    return {"all": [item]}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "12000.00", True),
        ("eq", 12000, True),
        ("eq", "11999", False),
        ("ne", "11999", True),
        ("ne", "12000", False),
        ("gt", "11999.99", True),
        ("gt", "12000", False),
        ("gte", "12000", True),
        ("gte", "12000.01", False),
        ("lt", "12000.01", True),
        ("lt", "12000", False),
        ("lte", "12000", True),
        ("lte", "11999.99", False),
        ("in", ["500", "12000"], True),
        ("in", ["500", "600"], False),
    ],
)
def test_comparisons_on_a_number(deal, op, value, expected):
    assert holds(record_type("deal"), deal, single("amount", op, value)) is expected


def test_contains_and_eq_on_text(contact):
    kind = record_type("contact")
    assert holds(kind, contact, single("last_name", "contains", "OC"))
    assert not holds(kind, contact, single("last_name", "contains", "x"))
    assert holds(kind, contact, single("last_name", "eq", "Koch"))


def test_empty(user, contact):
    kind = record_type("contact")
    assert holds(kind, contact, single("notes", "empty"))
    assert holds(kind, contact, {"all": [{"field": "notes", "op": "empty", "value": True}]})
    assert not holds(kind, contact, {"all": [{"field": "notes", "op": "empty", "value": False}]})
    contact_update(actor=user, contact=contact, data={"notes": "VIP"})
    assert not holds(kind, contact, single("notes", "empty"))
    assert holds(kind, contact, single("owner", "empty", False))


def test_related_records_by_id(contact, organization):
    kind = record_type("contact")
    assert holds(kind, contact, single("organization", "eq", str(organization.pk)))
    assert holds(kind, contact, single("organization_id", "in", [str(organization.pk)]))


def test_dates(user, deal):
    sales.deal_update(actor=user, deal=deal, data={"expected_close_date": "2026-06-30"})
    kind = record_type("deal")
    assert holds(kind, deal, single("expected_close_date", "gt", "2026-06-01"))
    assert holds(kind, deal, single("expected_close_date", "lte", "2026-06-30"))
    assert not holds(kind, deal, single("expected_close_date", "lt", "2026-06-30"))


def test_custom_fields(user, organization):
    CustomFieldDefinition.objects.create(
        object_type="deal", key="segment", label="Segment", field_type="choice",
        choices=["SMB", "Enterprise"],
    )  # fmt: skip
    deal = sales.deal_create(
        actor=user,
        data={"title": "Big", "organization_id": organization.pk, "custom": {"segment": "SMB"}},
    )
    kind = record_type("deal")
    assert holds(kind, deal, single("custom.segment", "eq", "SMB"))
    assert holds(kind, deal, single("custom.segment", "in", ["SMB", "Enterprise"]))
    assert not holds(kind, deal, single("custom.segment", "ne", "SMB"))


def test_and_or_and_nesting(deal):
    kind = record_type("deal")
    amount_big = {"field": "amount", "op": "gte", "value": "10000"}
    title_x = {"field": "title", "op": "eq", "value": "X"}
    assert holds(kind, deal, {"any": [title_x, amount_big]})
    assert not holds(kind, deal, {"all": [title_x, amount_big]})
    assert holds(kind, deal, {"all": [amount_big, {"any": [title_x, {"all": [amount_big]}]}]})
    assert holds(kind, deal, {})


def test_a_rule_whose_conditions_do_not_hold_runs_no_action(user, contact):
    from kontor.workflow.engine import run_rule

    rule = make_rule(user, conditions=single("last_name", "eq", "Meier"))
    run = run_rule(rule, contact, trigger="created")
    assert not run.matched
    assert run.actions == [{"type": "add_note", "status": "skipped", "error": ""}]


@pytest.mark.parametrize(
    ("conditions", "key", "reason"),
    [
        (single("shoe_size", "eq", 42), "conditions.all[0].field", "'shoe_size' is no field"),
        (single("custom.nope", "eq", 1), "conditions.all[0].field", "'custom.nope' is no field"),
        (single("last_name", "like", "K"), "conditions.all[0].op", "must be one of"),
        (single("last_name", "in", "Koch"), "conditions.all[0].value", "must be a list"),
        (single("lifecycle_stage", "eq", "boss"), "conditions.all[0].value", "must be one of"),
        ({"all": [{"field": "last_name", "op": "eq"}]}, "conditions.all[0].value", "required"),
        ({"either": []}, "conditions", "must be"),
        ({"all": [{"any": [{"field": "x", "op": "eq", "value": 1}]}]},
         "conditions.all[0].any[0].field", "'x' is no field"),
    ],
)  # fmt: skip
def test_bad_conditions_are_refused_naming_the_field(user, conditions, key, reason):
    with pytest.raises(FieldErrors) as refused:
        make_rule(user, conditions=conditions)
    assert reason in " ".join(refused.value.errors[key])
