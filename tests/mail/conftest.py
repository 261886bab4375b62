import pytest
from django.test import Client

from kontor.accounts.services import api_token_create
from tests.factories import ContactFactory, OrganizationFactory
from tests.telephony.conftest import give_role

INBOUND = "/api/v1/mail/inbound"


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.KONTOR_OWN_EMAIL_DOMAINS = ["kontor.example"]


@pytest.fixture(autouse=True)
def rep_in_sales(user):
    """The importing user, "rep", works in sales: matches what they own."""
    return give_role(user, "sales")


@pytest.fixture
def acme(user):
    return OrganizationFactory(name="ACME GmbH", website="https://www.acme.example", owner=user)


@pytest.fixture
def anna(user, acme):
    return ContactFactory(
        first_name="Anna",
        last_name="Schmidt",
        organization_id=acme.pk,
        emails=["Anna@ACME.example"],
        owner=user,
    )


@pytest.fixture
def inbound(user):
    """POST a raw message to /api/v1/mail/inbound as ``user``."""
    _token, key = api_token_create(actor=user, user=user, name="mail")
    client = Client(headers={"Authorization": f"Bearer {key}"})

    def post(raw: bytes, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return client.post(
            f"{INBOUND}{'?' + query if query else ''}", raw, content_type="message/rfc822"
        )

    post.client = client
    return post
