"""kontor.api.schemas.Schema reads a record into a dict at once instead of
through Ninja's getter; what it reads must be exactly what Ninja's getter
reads. Each case below is validated by a twin of the same schema on
Ninja's own base, and both must agree."""

from types import SimpleNamespace
from typing import Any

import ninja
import pytest
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from pydantic import ConfigDict, Field, ValidationError

from kontor.api.schemas import Schema, StrictSchema
from tests.factories import ContactFactory


def _twins(body: dict[str, Any], *, config: ConfigDict | None = None) -> tuple[type, type]:
    """The same schema on Kontor's base and on Ninja's (``body`` is left as it is)."""
    made = []
    for base in (Schema, ninja.Schema):  # noqa: TID251 (the comparison)
        namespace = {**body, "__annotations__": dict(body["__annotations__"])}
        if config is not None:
            namespace["model_config"] = config
        made.append(type(f"Twin{len(made)}", (base,), namespace))
    return made[0], made[1]


def _both(body: dict[str, Any], obj: Any, *, config: ConfigDict | None = None, **kwargs) -> dict:
    ours, ninjas = _twins(body, config=config)
    mine = ours.model_validate(obj, **kwargs).model_dump(by_alias=True)
    theirs = ninjas.model_validate(obj, **kwargs).model_dump(by_alias=True)
    assert mine == theirs
    return mine


class _Address(Schema):
    address: str
    label: str


class _Record:
    """A record with what a schema may find on one."""

    def __init__(self):
        self.name = "Ada"
        self.count = lambda: 3
        self.tags = ["a", "b"]

    @property
    def broken(self):
        raise AttributeError("no such thing here")


def test_attributes_callables_defaults_and_resolvers_with_the_context_read_as_ninja_reads_them():
    def resolve_greeting(obj, context):
        return f"{context['greeting']}, {obj.name}"

    body = {
        "__annotations__": {
            "name": str,
            "count": int,
            "tags": list[str],
            "broken": str,
            "missing": str,
            "greeting": str,
        },
        "broken": "default for an attribute that raises",
        "missing": "default for an attribute that is not there",
        "resolve_greeting": staticmethod(resolve_greeting),
    }
    assert _both(body, _Record(), context={"greeting": "Hello"}) == {
        "name": "Ada",
        "count": 3,
        "tags": ["a", "b"],
        "broken": "default for an attribute that raises",
        "missing": "default for an attribute that is not there",
        "greeting": "Hello, Ada",
    }


def test_a_dict_is_read_by_key_and_its_resolvers_run():
    body = {
        "__annotations__": {"name": str, "shout": str},
        "resolve_shout": staticmethod(lambda obj: obj["name"].upper()),
    }
    assert _both(body, {"name": "Ada", "ignored": 1}) == {"name": "Ada", "shout": "ADA"}


def test_an_alias_is_read_by_the_alias_and_by_name_where_the_schema_allows_it():
    body = {"__annotations__": {"from_": str}, "from_": Field(alias="from")}
    assert _both(body, {"from": "a@example.com"}) == {"from": "a@example.com"}
    with pytest.raises(ValidationError):
        _twins(body)[0].model_validate({"from_": "a@example.com"})
    by_name = ConfigDict(populate_by_name=True)
    for record in ({"from_": "b@example.com"}, SimpleNamespace(from_="b@example.com")):
        assert _both(body, record, config=by_name) == {"from": "b@example.com"}
    assert _both(body, SimpleNamespace(**{"from": "c@example.com"})) == {"from": "c@example.com"}


def test_a_missing_required_value_is_refused_by_both():
    ours, ninjas = _twins({"__annotations__": {"name": str, "age": int}})
    for schema in (ours, ninjas):
        with pytest.raises(ValidationError, match="age"):
            schema.model_validate({"name": "Ada"})


@pytest.mark.django_db
def test_related_managers_become_lists_and_nested_records_are_read_too(admin_user):
    contact = ContactFactory(owner=admin_user, emails=["ada@example.com", "ada@work.example"])
    body = {
        "__annotations__": {"display_name": str, "emails": list[_Address]},
    }
    answer = _both(body, contact)
    assert answer["display_name"] == contact.display_name
    assert sorted(a["address"] for a in answer["emails"]) == ["ada@example.com", "ada@work.example"]


def test_a_file_is_given_as_its_url_and_an_empty_one_as_null(settings):
    settings.MEDIA_URL = "/media/"
    field = SimpleNamespace(storage=default_storage)
    record = SimpleNamespace()
    record.document = FieldFile(record, field, "")
    record.attachment = FieldFile(record, field, "files/note.txt")
    body = {"__annotations__": {"document": str | None, "attachment": str | None}}
    assert _both(body, record) == {"document": None, "attachment": "/media/files/note.txt"}


def test_an_input_schema_still_refuses_unknown_keys():
    class Payload(StrictSchema):
        name: str

    with pytest.raises(ValidationError, match="extra"):
        Payload.model_validate({"name": "Ada", "nmae": "typo"})
    assert Payload.model_validate({"name": "Ada"}).name == "Ada"


class _Counting:
    """Counts how often each attribute is read."""

    def __init__(self, **values):
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "reads", {})

    def __getattr__(self, key):
        values = object.__getattribute__(self, "_values")
        if key not in values:
            raise AttributeError(key)
        reads = object.__getattribute__(self, "reads")
        reads[key] = reads.get(key, 0) + 1
        return values[key]


def test_each_field_is_read_from_the_record_once():
    class Out(Schema):
        name: str
        city: str
        zip_code: str = ""

    record = _Counting(name="Ada", city="Berlin")
    assert Out.model_validate(record).model_dump() == {
        "name": "Ada",
        "city": "Berlin",
        "zip_code": "",
    }
    assert record.reads == {"name": 1, "city": 1}
