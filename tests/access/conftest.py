import pytest

from kontor.access.models import Role


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)
