import contextlib
import contextvars
from collections.abc import Iterator

from kontor.customfields.models import CustomFieldDefinition

# Within ``definitions_read_once()``, each type's definitions are read once.
_READ_ONCE: contextvars.ContextVar[dict[str, list[CustomFieldDefinition]] | None] = (
    contextvars.ContextVar("kontor_custom_definitions", default=None)
)


@contextlib.contextmanager
def definitions_read_once() -> Iterator[None]:
    """For bulk work (the ERP sync): read the definitions once, not once per
    record. Definitions changed meanwhile apply to the next batch."""
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def definitions_for(object_type: str) -> list[CustomFieldDefinition]:
    """The custom fields of a record type, in their order."""
    cache = _READ_ONCE.get()
    if cache is None:
        return list(CustomFieldDefinition.objects.filter(object_type=object_type))
    if object_type not in cache:
        cache[object_type] = list(CustomFieldDefinition.objects.filter(object_type=object_type))
    return cache[object_type]


def definition_get(object_type: str, key: str) -> CustomFieldDefinition | None:
    return CustomFieldDefinition.objects.filter(object_type=object_type, key=key).first()
