"""Every registered record type gives the generic layers what they need
(kontor.core.records): a visibility selector that answers for its model,
owner and share paths that exist, categories for every field its API answers
show, and hooks (search, personal data, merge, warehouse) that point at real
fields. A new type that forgets one fails here the day it is registered."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test import Client
from django.utils.module_loading import import_string

from kontor.access.schemas import FieldFilteredOut
from kontor.core.records import (
    CATEGORIES,
    SENSITIVE_CATEGORIES,
    is_registered,
    record_type,
    record_types,
)
from tests.factories import UserFactory


def _erasure_executed() -> bool:
    """Once the data protection app carries out erasures (kontor.privacy has
    its erasure module), every type with personal data needs its handler;
    until then the app records erasure requests only (docs/privacy.md)."""
    from importlib.util import find_spec

    return apps.is_installed("kontor.privacy") and find_spec("kontor.privacy.erasure") is not None


# Keys of an API answer that describe the record itself, not a field of it.
# ``possible_duplicates`` (a create's answer) names other records, each only
# if readable, with reasons only of readable fields (the duplicate layer).
RECORD_METADATA = {
    "id", "custom", "created_at", "updated_at", "version", "archived_at", "possible_duplicates",
}  # fmt: skip
TYPES = record_types()
VCARD_PROPERTIES = {"fn", "n.family", "n.given", "org", "email", "tel", "url", "note", "categories"}


def _resolve(model: type[models.Model], path: str) -> models.Field | None:
    """The last field of an ORM path (``contact__owner``); None for ""."""
    field = None
    for hop in path.split("__") if path else []:
        field = model._meta.get_field(hop)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def _target(model: type[models.Model], path: str) -> type[models.Model]:
    for hop in path.split("__") if path else []:
        model = model._meta.get_field(hop).related_model
    return model


def test_the_registry_holds_the_types_of_every_domain():
    keys = {kind.key for kind in TYPES}
    assert {"contact", "organization", "activity", "file"} <= keys
    assert len(keys) == len(TYPES)


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.key)
class TestARegisteredType:
    def test_names_an_installed_model(self, kind):
        model = kind.model_class()
        assert model._meta.label == kind.model
        assert str(kind.label) and str(kind.label_plural)

    @pytest.mark.django_db
    def test_has_a_visibility_selector_for_its_model(self, kind):
        assert kind.visible, f"{kind.key} has no visibility selector"
        selector = import_string(kind.visible)
        records = selector(UserFactory(is_superuser=True))
        assert records.model is kind.model_class()

    def test_owner_paths_end_at_a_user(self, kind):
        assert kind.owner_paths
        for path in kind.owner_paths:
            field = _resolve(kind.model_class(), path)
            assert field is not None and field.related_model is not None
            assert field.related_model._meta.label == settings.AUTH_USER_MODEL, path

    def test_share_and_parent_types_are_registered_and_reachable(self, kind):
        for path, shared in kind.share_paths:
            key = shared or kind.key
            assert is_registered(key), key
            target = _target(kind.model_class(), path)
            assert target._meta.label == record_type(key).model, path
        for parent in kind.parent_types:
            assert is_registered(parent), parent

    def test_fields_have_a_category_they_may_have(self, kind):
        keys = [spec.key for spec in kind.fields]
        assert len(keys) == len(set(keys))
        for spec in kind.fields:
            assert set(spec.categories) <= set(CATEGORIES)
            assert spec.category in spec.categories, spec.key

    def test_custom_fields_have_columns_to_live_in(self, kind):
        if not kind.custom_fields:
            return
        model = kind.model_class()
        assert isinstance(model._meta.get_field("custom"), models.JSONField)
        assert model._meta.get_field("custom_sensitive")

    def test_references_name_registered_types(self, kind):
        for _field, target in kind.references:
            assert is_registered(target), target

    def test_hooks_point_at_real_fields(self, kind):
        model = kind.model_class()
        paths = [
            *(kind.search.fields if kind.search else ()),
            *kind.merge_links,
            *(kind.personal_data.links if kind.personal_data else ()),
        ]
        for path in paths:
            try:
                _resolve(model, path)
            except FieldDoesNotExist:
                pytest.fail(f"{kind.key}: {path!r} is no field path of {kind.model}")
        if kind.personal_data:
            for path in kind.personal_data.links:
                assert _target(model, path)._meta.label == "contacts.Contact", path
            for name in kind.personal_data.files:
                assert isinstance(model._meta.get_field(name), models.FileField), name
            if kind.personal_data.find:
                assert callable(import_string(kind.personal_data.find))
            if kind.personal_data.erase:
                assert callable(import_string(kind.personal_data.erase))
            elif _erasure_executed():
                pytest.fail(f"{kind.key} holds personal data but has no erasure handler")
        for spec in kind.warehouse:
            assert spec.table.startswith(("fact_", "dim_"))
            assert callable(import_string(spec.rows))
            for column in spec.columns:
                if column.field:
                    assert kind.field(column.field), f"{spec.table}.{column.name}"

    def test_exports_only_columns_the_field_categories_govern(self, kind):
        """A list export leaves out what the API leaves out: each of its
        columns is an API key of one of the type's fields (or the record's
        metadata), and its vCard properties name its columns."""
        if kind.export is None:
            return
        covered = {key for spec in kind.fields for key in spec.keys_in_output}
        uncovered = set(kind.export.columns) - covered - RECORD_METADATA
        assert not uncovered, f"{kind.key} exports {sorted(uncovered)} without a category"
        assert callable(import_string(kind.export.rows))
        for prop, column in kind.export.vcard:
            assert column in kind.export.columns, (prop, column)
            assert prop in VCARD_PROPERTIES, prop

    def test_names_its_events(self, kind):
        assert kind.events
        for name in kind.event_names():
            assert name.startswith(f"{kind.key}.") and name.islower()

    def test_renders_its_events_for_a_reader(self, kind):
        """Webhooks send a record's data as its subscriber may read it: a
        type that emits events renders itself (``serialize``)."""
        if not kind.events:
            return
        assert kind.serialize, f"{kind.key} emits events but has no serialize hook"
        assert callable(import_string(kind.serialize))

    def test_is_named_in_the_api_by_its_path_parameter(self, kind):
        assert kind.api_parameter, f"{kind.key} has no api_parameter"
        paths = Client().get("/api/v1/openapi.json").json()["paths"]
        assert any(f"{{{kind.api_parameter}}}" in path for path in paths), kind.api_parameter

    def test_every_field_its_api_shows_has_a_category(self, kind):
        """An answer leaves out what a role may not read by the fields'
        categories; a key no field covers would be shown to everyone. A
        type whose answers are not filtered by field may only have fields
        whose category cannot change."""
        import kontor.urls  # noqa: F401 (every app's API schemas)

        schemas = [s for s in _subclasses(FieldFilteredOut) if s.access_object_type == kind.key]
        if not schemas:
            assert all(spec.fixed for spec in kind.fields), (
                f"{kind.key}'s API answers are not filtered by field, but a field's "
                "category can change"
            )
            assert not any(set(spec.categories) & SENSITIVE_CATEGORIES for spec in kind.fields)
            return
        covered = {key for spec in kind.fields for key in spec.keys_in_output}
        for schema in schemas:
            uncovered = set(schema.model_fields) - covered - RECORD_METADATA
            assert not uncovered, f"{schema.__name__} shows {sorted(uncovered)} without a category"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.extend([sub, *_subclasses(sub)])
    return found


def test_every_holder_of_personal_data_has_an_erasure_handler():
    """A model with personal data that is no record type of its own (a raw
    message, a call) is erased too: its app names the handler."""
    from kontor.core.records import personal_data_holders

    holders = personal_data_holders()
    assert holders
    for holder in holders:
        assert holder.personal_data.erase, f"{holder.key} has no erasure handler"
        assert callable(import_string(holder.personal_data.erase))


def test_the_person_type_says_how_to_recognize_the_person():
    """The erasure finds the person's names, addresses and numbers in logs
    and payloads through ``PersonalData.identifiers`` on their type."""
    persons = [kind for kind in TYPES if kind.personal_data and kind.personal_data.find]
    assert len(persons) == 1
    assert callable(import_string(persons[0].personal_data.identifiers))


def test_every_erasure_store_names_a_handler():
    from kontor.core.erasure import erasure_stores

    stores = erasure_stores()
    assert {"notifications", "webhook deliveries", "warehouse exports"} <= {s.name for s in stores}
    for store in stores:
        assert callable(import_string(store.erase)), store.name
