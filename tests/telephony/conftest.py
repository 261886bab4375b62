import hashlib
import hmac
import json

import pytest

from kontor.access.grants import forget_access
from kontor.access.models import Role
from kontor.telephony.models import Extension
from kontor.telephony.services import phone_integration_create
from tests.conftest import ApiClient, api_client_for
from tests.factories import ContactFactory, OrganizationFactory, UserFactory


def give_role(user, slug: str):
    """Exactly this role (kontor.access's defaults: "sales" reads what its
    teams own, "service" reads everything)."""
    user.kontor_roles.set([Role.objects.get(slug=slug)])
    forget_access(user)
    return user


@pytest.fixture(autouse=True)
def rep_in_sales(user):
    """The test's default user, "rep", works in sales: sees what they own."""
    return give_role(user, "sales")


@pytest.fixture
def pbx_user(db):
    """The phone system's user reads every record, as the service role does."""
    return give_role(UserFactory(username="pbx", first_name="Phone", last_name="System"), "service")


@pytest.fixture
def connected(pbx_user, admin_user):
    """The phone system and its secret."""
    return phone_integration_create(actor=admin_user, name="Office PBX", user=pbx_user)


@pytest.fixture
def integration(connected):
    return connected[0]


@pytest.fixture
def secret(connected):
    return connected[1]


@pytest.fixture
def pbx(pbx_user, integration) -> ApiClient:
    """The phone system, with its user's API token."""
    return api_client_for(pbx_user)


@pytest.fixture
def agent(user):
    """Rita at extension 21 ("rep", the test's default user)."""
    user.first_name, user.last_name = "Rita", "Rep"
    user.save(update_fields=["first_name", "last_name"])
    Extension.objects.create(user=user, number="21")
    return user


@pytest.fixture
def colleague(db):
    """Mia, in sales too, in no team with Rita: she sees none of Rita's records."""
    return give_role(UserFactory(username="mia", first_name="Mia", last_name="Vertrieb"), "sales")


@pytest.fixture
def acme(user):
    return OrganizationFactory(name="ACME GmbH", phones=["+49 30 1234-0"], owner=user)


@pytest.fixture
def anna(user, acme):
    return ContactFactory(
        first_name="Anna",
        last_name="Schmidt",
        organization_id=acme.pk,
        phones=["+49 30 1234-567"],
        emails=["anna@acme.example"],
        owner=user,
    )


def ringing(call_id="c-1", number="+49 30 1234567", agent="rep", **extra) -> dict:
    return {
        "event": "ringing",
        "call_id": call_id,
        "from": number,
        "to": "21",
        "direction": "inbound",
        "agent": agent,
        **extra,
    }


def signed(body: dict, secret: str) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
