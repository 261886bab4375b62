import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

pytestmark = pytest.mark.real_password_hashing

PASSWORD = "correct horse battery"


def test_argon2_is_the_password_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_passwords_are_hashed_with_argon2(db):
    user = UserFactory(username="anna")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")
    assert check_password(PASSWORD, user.password)


@pytest.mark.parametrize(
    "password", ["short", "password123", "12345678901234", "anna-schmidt"], ids=str
)
def test_weak_passwords_are_rejected(db, password):
    user = UserFactory(username="anna-schmidt")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted(db):
    validate_password("correct horse battery staple", UserFactory(username="anna"))
