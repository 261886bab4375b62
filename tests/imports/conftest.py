import io
from pathlib import Path

import pytest

from kontor.customfields.models import CustomFieldDefinition
from kontor.imports import services
from kontor.imports.models import Import

DATA = Path(__file__).parent / "data"


def run_import(user, content: bytes | str, filename: str, **options) -> Import:
    """Upload ``content`` (a file of tests/imports/data when a str) and run
    the import in this process."""
    if isinstance(content, str):
        content = (DATA / content).read_bytes()
    data_import = services.import_create(
        actor=user,
        upload=io.BytesIO(content),
        filename=filename,
        record_type=options.pop("record_type", "contacts"),
        **options,
    )
    return services.import_run(data_import)


@pytest.fixture
def custom_fields(db):
    """The custom fields a German customer list brings along."""
    return [
        CustomFieldDefinition.objects.create(
            object_type="contact", key="revenue", label="Umsatz", field_type="number"
        ),
        CustomFieldDefinition.objects.create(
            object_type="contact", key="customer_since", label="Kunde seit", field_type="date"
        ),
    ]
