"""Every relation to a contact or an organization is re-pointed by a merge:
each foreign key of an installed model to a mergeable type is a registered
merge link (kontor.core.records), so a new domain that points at contacts and
forgets to register fails here the day it arrives."""

from django.apps import apps
from django.utils.module_loading import import_string

from kontor.core.records import merge_links, record_types


def _mergeable():
    return {kind.model_class(): kind for kind in record_types() if kind.merge is not None}


def test_contacts_and_organizations_can_be_merged():
    assert {kind.key for kind in _mergeable().values()} == {"contact", "organization"}


def test_every_foreign_key_to_a_mergeable_type_is_a_merge_link():
    targets = _mergeable()
    covered = {(link.model_class(), path) for link in merge_links() for path in link.paths}
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and field.is_relation
        and not field.primary_key  # a row that is part of its record goes with it
        and field.related_model in targets
        and (model, field.name) not in covered
    ]
    assert missing == []


def test_merge_links_point_at_real_fields_and_merge_specs_at_real_functions():
    for link in merge_links():
        model = link.model_class()
        for name in (*link.paths, *(link.generic or ()), *link.unique):
            model._meta.get_field(name)
    for kind in _mergeable().values():
        for path in (kind.merge.values, kind.merge.field_values, kind.merge.update,
                     kind.merge.retire, kind.merge.restore):  # fmt: skip
            assert callable(import_string(path))


def test_shares_and_external_ids_are_re_pointed_by_type_and_id():
    generic = {link.model for link in merge_links() if link.generic}
    assert {"access.Share", "sources.ExternalRecord"} <= generic
