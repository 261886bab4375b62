"""The engine is generic over the record registry: every registered type a
rule can read is offered, and its services are found by the convention
``<app>.services.<key>_create`` / ``<key>_update`` (a type without them is
refused on save with a clear reason, never at run time)."""

import inspect

import pytest

from kontor.core.exceptions import FieldErrors
from kontor.core.records import record_type
from kontor.workflow import spec, targets
from tests.workflow.conftest import make_rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", spec.rule_types())
def test_every_type_takes_rules_and_its_services_fit(user, key):
    kind = record_type(key)
    on = "created" if "created" in kind.events else "updated"
    update = targets.service(key, "update")
    set_field = {"type": "set_field", "field": "created_at", "value": "x"}
    if update is None:
        with pytest.raises(FieldErrors) as refused:
            make_rule(user, record_type=key, trigger={"on": on}, actions=[set_field])
        assert "cannot be changed by rules" in refused.value.errors["actions[0].type"][0]
        return
    assert {"actor", key, "data"} <= set(inspect.signature(update).parameters)
    make_rule(user, record_type=key, trigger={"on": on}, actions=[set_field])
    create = targets.service(key, "create")
    if create is not None:
        assert {"actor", "data"} <= set(inspect.signature(create).parameters)
