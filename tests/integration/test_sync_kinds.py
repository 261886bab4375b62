"""The registry of sync kinds (``RecordType.sync``): every kind the ERP
sync promises is registered once the app that owns it is installed, and
every registered kind names handlers and fields that exist.

An app that promises kinds registers a ``SyncSpec`` on its record types
(kontor/contacts/sync_kinds.py and kontor/sales/sync_kinds.py, with their
handlers in the apps' sync.py); the first test fails while one is missing."""

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from kontor.core.records import sync_kinds

PROMISED = {
    "kontor.contacts": {"organizations", "contacts"},
    "kontor.sales": {"products", "orders", "invoices"},
}


def test_every_promised_kind_is_registered_by_its_installed_app():
    registered = set(sync_kinds())
    for app, kinds in PROMISED.items():
        if apps.is_installed(app):
            missing = kinds - registered
            assert not missing, f"{app} is installed but does not sync {sorted(missing)}"


@pytest.mark.parametrize("kind", sorted(sync_kinds()))
def test_a_registered_kind_names_real_handlers_and_references(kind):
    record_type = sync_kinds()[kind]
    spec = record_type.sync
    assert callable(import_string(spec.apply)) and callable(import_string(spec.archive))
    assert spec.fields
    for body_field, target, _service_field in spec.references:
        assert body_field.endswith("_external_id")
        assert target in sync_kinds(), f"{kind} refers to {target}, which is not synced"
    model = record_type.model_class()
    assert model._meta.get_field("archived_at"), f"{kind} cannot be archived"
