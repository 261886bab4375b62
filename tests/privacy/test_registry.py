"""What the data protection layer reads from the registry
(kontor.core.records) is there: exactly one type is the person, and every
holder of personal data links to it, names real file fields and renders its
records."""

import pytest
from django.db import models
from django.utils.module_loading import import_string

from kontor.core.records import personal_data_holders, record_types
from kontor.privacy.export.collect import _target, holders
from kontor.privacy.subjects import person_type


def test_exactly_one_type_is_the_person():
    persons = [k for k in record_types() if k.personal_data and k.personal_data.find]

    assert [k.key for k in persons] == ["contact"]
    assert person_type().key == "contact"


def test_emails_calls_and_files_are_in_the_export():
    keys = {holder.key for holder in holders()}

    assert keys >= {"contact", "activity", "file", "deal", "quote", "order", "invoice"}
    assert {h.key for h in personal_data_holders()} >= {"received_email", "sent_email", "call"}


@pytest.mark.parametrize("holder", personal_data_holders(), ids=lambda h: h.key)
def test_a_holder_links_to_the_person_and_renders_its_records(holder):
    model = holder.model_class()
    person = person_type().model_class()

    assert holder.personal_data.links
    for link in holder.personal_data.links:
        assert _target(model, link) is person, link
    for name in holder.personal_data.files:
        field = model._meta.get_field(name)
        assert isinstance(field, models.FileField | models.BinaryField), name
    assert callable(import_string(holder.serialize))
