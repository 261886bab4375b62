"""``kontor rotatekey`` re-encrypts every encrypted value under a new key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from kontor.access import keys
from kontor.access.sensitive import sensitive_values
from kontor.contacts.models import Contact
from kontor.contacts.services import contact_create
from kontor.core import encryption
from kontor.customfields.models import CustomFieldDefinition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path, settings, monkeypatch):
    """A key file of this test's own, as if KONTOR_ENCRYPTION_KEY were unset."""
    monkeypatch.delenv("KONTOR_ENCRYPTION_KEY", raising=False)
    path = tmp_path / "encryption_key"
    first = keys.new_key()
    path.write_text(first)
    settings.KONTOR_ENCRYPTION_KEY_FILE = path
    settings.KONTOR_ENCRYPTION_KEY = first
    yield path
    encryption.forget_keys()


@pytest.fixture
def secret_contact(db):
    CustomFieldDefinition.objects.create(
        object_type="contact",
        key="diagnosis",
        label="Diagnosis",
        field_type="text",
        category="special",
    )
    admin = UserFactory(username="a", roles=["administrator"])
    return contact_create(actor=admin, data={"first_name": "Ute", "custom": {"diagnosis": "flu"}})


def _stored_token(contact: Contact) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT custom_sensitive FROM contacts_contact WHERE id = %s",
            [contact.pk.hex if connection.vendor == "sqlite" else contact.pk],
        )
        return cursor.fetchone()[0]


def test_rotatekey_encrypts_everything_under_a_new_key_and_drops_the_old_one(
    key_file, secret_contact
):
    old_key = key_file.read_text()
    before = _stored_token(secret_contact)

    out = StringIO()
    call_command("rotatekey", stdout=out)

    new_key = key_file.read_text()
    after = _stored_token(secret_contact)
    assert new_key != old_key and "," not in new_key
    assert after != before
    assert Fernet(new_key.encode()).decrypt(after.encode())
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidToken)
        Fernet(old_key.encode()).decrypt(after.encode())
    assert sensitive_values(Contact.objects.get(pk=secret_contact.pk)) == {"diagnosis": "flu"}
    assert "Re-encrypted 1 values" in out.getvalue()


def test_rotatekey_with_keys_from_the_environment_uses_the_first(
    settings, monkeypatch, secret_contact
):
    old = settings.KONTOR_ENCRYPTION_KEY.split(",")[0]
    new = keys.new_key()
    monkeypatch.setenv("KONTOR_ENCRYPTION_KEY", f"{new},{old}")
    settings.KONTOR_ENCRYPTION_KEY = f"{new},{old}"

    call_command("rotatekey", stdout=StringIO())

    assert Fernet(new.encode()).decrypt(_stored_token(secret_contact).encode())
    encryption.forget_keys()


def test_the_key_file_is_made_once_and_readable_by_its_owner_only(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "KONTOR_VAR_DIR": str(tmp_path)}
    env.pop("KONTOR_ENCRYPTION_KEY", None)
    code = "from django.conf import settings; print(settings.KONTOR_ENCRYPTION_KEY)"
    run = [sys.executable, "-m", "kontor", "shell", "-c", code]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert first.returncode == 0, first.stderr
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert second.returncode == 0, second.stderr

    key = (tmp_path / "encryption_key").read_text()
    assert key in first.stdout and key in second.stdout
    assert (tmp_path / "encryption_key").stat().st_mode & 0o077 == 0
    Fernet(key.encode())
