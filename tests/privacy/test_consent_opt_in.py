"""Double opt-in: the confirmation email carries a signed link; the consent
counts only once the link is opened, with its proof kept; an expired or
tampered link confirms nothing."""

import re

import pytest
from django.test import Client

from kontor.consent.models import ConsentRecord, OptIn, Purpose
from kontor.consent.selectors import has_basis
from kontor.contacts.services import contact_create
from kontor.integration.models import OutgoingEmail
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="opt-in-admin", roles=["administrator"])


@pytest.fixture
def ben(admin):
    Purpose.objects.create(key="newsletter", name="Newsletter", description="Monthly news")
    return contact_create(
        actor=admin,
        data={
            "first_name": "Ben",
            "last_name": "Bestätigt",
            "emails": [{"address": "ben@bestaetigt.example"}],
        },
    )


def _ask(admin, contact) -> str:
    response = api_client_for(admin).post(
        f"/api/v1/contacts/{contact.pk}/consents/newsletter/opt-in",
        {"text_version": "newsletter-v3"},
    )
    assert response.status_code == 202, response.content
    assert response.json()["address"] == "ben@bestaetigt.example"
    email = OutgoingEmail.objects.get()
    assert email.to_addresses == ["ben@bestaetigt.example"]
    link = re.search(r"https?://\S+/consent/confirm/\S+/", email.body_text).group(0)
    return link.split("://", 1)[1].split("/", 1)[1]


def test_a_valid_link_confirms_once_with_proof(admin, ben):
    path = "/" + _ask(admin, ben)
    assert not has_basis(ben, "newsletter")  # not before the person confirms

    response = Client().get(path, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mail client 1.0")
    assert response.status_code == 200
    assert 'data-outcome="confirmed"' in response.content.decode()
    assert has_basis(ben, "newsletter")
    record = ConsentRecord.objects.get(contact=ben)
    assert (record.legal_basis, record.status, record.source) == (
        "consent",
        "granted",
        "double opt-in",
    )
    assert record.ip_address == "203.0.113.7" and record.user_agent == "Mail client 1.0"
    assert record.text_version == "newsletter-v3" and record.evidence_at is not None
    assert OptIn.objects.get().confirmed_at is not None

    # Opening it again records nothing more.
    assert Client().get(path).status_code == 200
    assert ConsentRecord.objects.count() == 1


def test_an_expired_link_confirms_nothing(admin, ben, settings):
    path = "/" + _ask(admin, ben)
    settings.KONTOR_CONSENT_OPT_IN_MAX_AGE = -1

    response = Client().get(path)
    assert response.status_code == 410
    assert 'data-outcome="expired"' in response.content.decode()
    assert not ConsentRecord.objects.exists() and not has_basis(ben, "newsletter")


@pytest.mark.parametrize("tamper", ["signature", "id", "garbage"])
def test_a_tampered_link_confirms_nothing(admin, ben, tamper):
    path = _ask(admin, ben)
    token = path.rstrip("/").rsplit("/", 1)[1]
    value, signature = token.split(":", 1)
    if tamper == "signature":
        token = f"{value}:{signature[:-2]}xx"
    elif tamper == "id":
        token = f"{value[:-1]}{'0' if value[-1] != '0' else '1'}:{signature}"
    else:
        token = "nothing-signed"
    response = Client().get(f"/consent/confirm/{token}/")
    assert response.status_code == 400
    assert 'data-outcome="invalid"' in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_no_email_address_is_a_422(admin):
    Purpose.objects.create(key="newsletter", name="Newsletter")
    mute = contact_create(actor=admin, data={"first_name": "No", "last_name": "Mail"})
    response = api_client_for(admin).post(
        f"/api/v1/contacts/{mute.pk}/consents/newsletter/opt-in", {"text_version": "v1"}
    )
    assert response.status_code == 422
    assert not OptIn.objects.exists() and not OutgoingEmail.objects.exists()
