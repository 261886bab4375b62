"""``kontor rotatekey`` re-encrypts every encrypted value under a new key."""

import base64
import json
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


def test_a_new_key_is_a_fresh_fernet_key():
    first, second = keys.new_key(), keys.new_key()

    assert first != second
    assert len(base64.urlsafe_b64decode(first)) == 32
    assert Fernet(first.encode()).decrypt(Fernet(first.encode()).encrypt(b"x")) == b"x"


def test_the_key_file_is_replaced_whole_and_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "encryption_key"
    path.write_text("old")
    path.chmod(0o644)

    keys.write_key_file(path, ["new", "old"])

    assert path.read_text() == "new,old"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["encryption_key"]


def test_the_process_encrypts_with_the_first_key_and_decrypts_with_all(settings):
    old, new = keys.new_key(), keys.new_key()
    keys.use_keys([old])
    token = encryption.encrypt("secret")

    keys.use_keys([new, old])

    assert settings.KONTOR_ENCRYPTION_KEY.split(",") == [new, old]
    assert encryption.decrypt(token) == "secret"
    assert Fernet(new.encode()).decrypt(encryption.encrypt("x").encode()) == b"x"
    encryption.forget_keys()


def test_every_value_is_encrypted_again_in_batches(key_file, secret_contact, monkeypatch):
    admin = UserFactory(username="b", roles=["administrator"])
    for name in ("Eva", "Jan"):
        contact_create(actor=admin, data={"first_name": name, "custom": {"diagnosis": name}})
    contact_create(actor=admin, data={"first_name": "Without"})
    monkeypatch.setattr(keys, "BATCH_SIZE", 2)
    new = keys.new_key()
    keys.use_keys([new, key_file.read_text()])
    progress = []

    assert keys.reencrypt_all(lambda column, count: progress.append((column, count))) == 3

    assert ("contacts.Contact.custom_sensitive", 3) in progress
    assert {column for column, _count in progress} == {
        f"{c.model}.{c.field}" for c in encryption.encrypted_columns()
    }
    tokens = Contact.objects.exclude(custom_sensitive="").values_list("custom_sensitive", flat=True)
    values = [json.loads(Fernet(new.encode()).decrypt(t.encode())) for t in tokens]
    assert sorted(v["diagnosis"] for v in values) == ["Eva", "Jan", "flu"]
    assert keys.reencrypt_all() == 3


def test_a_value_changed_during_the_rotation_is_not_overwritten(key_file, secret_contact):
    """Each value is written back only where it still is what was read: a
    write in between (under the new key already) wins."""
    new = keys.new_key()
    keys.use_keys([new, key_file.read_text()])
    rotate = encryption.rotate
    changed = encryption.encrypt(json.dumps({"diagnosis": "changed meanwhile"}))

    def rotate_while_someone_writes(token: str) -> str:
        Contact.objects.filter(pk=secret_contact.pk).update(custom_sensitive=changed)
        return rotate(token)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(encryption, "rotate", rotate_while_someone_writes)
        keys.reencrypt_all()

    assert _stored_token(secret_contact) == changed
