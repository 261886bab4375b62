"""The service addresses: /api/v1/service-addresses and the admin pages,
for administrators only, with clear 4xx answers to bad input."""

import pytest

from kontor.access.models import Team
from kontor.audit.models import AuditEntry
from kontor.service.models import ServiceAddress
from kontor.sla import services as sla_services
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.service.mail_helpers import SUPPORT, own_domain, support

__all__ = ["own_domain", "support"]  # fixtures

URL = "/api/v1/service-addresses"
WEEK = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def policy(db):
    admin = UserFactory(username="sla-admin", roles=["administrator"], is_superuser=True)
    calendar = sla_services.calendar_create(
        actor=admin,
        data={"name": "Berlin", "time_zone": "Europe/Berlin", "country": "DE", "hours": WEEK},
    )
    return sla_services.policy_create(
        actor=admin,
        data={
            "name": "Premium",
            "calendar_id": calendar.pk,
            "targets": {"normal": {"first_response_minutes": 60, "resolution_minutes": 480}},
        },
    )


def test_an_address_answers_the_contract(api, team, policy):
    response = api.post(URL, {"address": " Support@Kontor.example ", "team_id": str(team.pk),
                              "sla_policy_id": str(policy.pk)})  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert {"address", "team_id", "sla_policy_id"} <= set(body)
    assert (body["address"], body["team_id"], body["sla_policy_id"]) == (
        SUPPORT,
        str(team.pk),
        str(policy.pk),
    )
    assert api.get(f"{URL}/{body['id']}").json() == body
    assert api.get(URL).json()["items"] == [body]
    assert AuditEntry.objects.filter(object_id=body["id"], action="create").exists()


def test_an_address_can_be_changed_and_deleted(api, support, team):
    other = Team.objects.create(name="Zweite Ebene")

    response = api.patch(f"{URL}/{support.pk}", {"team_id": str(other.pk), "sla_policy_id": None})

    assert response.status_code == 200, response.content
    assert response.json()["team_id"] == str(other.pk)
    assert response.json()["address"] == SUPPORT
    assert api.delete(f"{URL}/{support.pk}").status_code == 204
    assert not ServiceAddress.objects.exists()
    assert api.get(f"{URL}/{support.pk}").status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"address": "kein-at-zeichen", "team_id": None}, "address"),
        ({"address": "", "team_id": None}, "address"),
        ({"address": "a@kontor.example", "team_id": "00000000-0000-0000-0000-000000000001"},
         "team_id"),
        ({"address": "a@kontor.example", "team_id": None, "sla_policy_id": -1}, "sla_policy_id"),
        ({"address": "a@kontor.example", "team_id": None,
          "sla_policy_id": "00000000-0000-0000-0000-000000000001"}, "sla_policy_id"),
        ({"address": "a@kontor.example", "team_id": None, "sla_policy_id": "x"}, "sla_policy_id"),
        ({"team_id": None}, "address"),
    ],
)  # fmt: skip
def test_bad_input_is_a_422_naming_the_field(api, team, data, field):
    if data.get("team_id", "") is None:
        data = {**data, "team_id": str(team.pk)}

    response = api.post(URL, data)

    assert response.status_code == 422, response.content
    assert field in [d["loc"][-1] for d in response.json()["detail"]]


def test_an_address_is_taken_once_whatever_the_case(api, support, team):
    response = api.post(URL, {"address": "SUPPORT@kontor.example", "team_id": str(team.pk)})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "address"

    other = api.post(URL, {"address": "billing@kontor.example", "team_id": str(team.pk)}).json()
    response = api.patch(f"{URL}/{other['id']}", {"address": "Support@kontor.example"})
    assert response.status_code == 422


def test_only_administrators_manage_addresses(support, team):
    agent = UserFactory(username="agent", roles=["service"])
    client = api_client_for(agent)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/{support.pk}").status_code == 403
    assert client.post(URL, {"address": "x@kontor.example", "team_id": str(team.pk)}).status_code \
        == 403  # fmt: skip
    assert client.patch(f"{URL}/{support.pk}", {"sla_policy_id": None}).status_code == 403
    assert client.delete(f"{URL}/{support.pk}").status_code == 403
    assert ServiceAddress.objects.get().sla_policy_id is None


def test_administrators_manage_addresses_in_the_admin(client, team):
    boss = UserFactory(username="boss", is_staff=True, roles=["administrator"])
    client.force_login(boss)

    response = client.post(
        "/admin/service/serviceaddress/add/",
        {"address": "Hilfe@Kontor.example", "team": str(team.pk), "sla_policy": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    address = ServiceAddress.objects.get()
    assert address.address == "hilfe@kontor.example" and address.team == team
    assert AuditEntry.objects.filter(object_id=str(address.pk), action="create").exists()
    page = client.get("/admin/service/serviceaddress/").content.decode()
    assert "hilfe@kontor.example" in page

    response = client.post(
        "/admin/service/serviceaddress/add/", {"address": "HILFE@kontor.example", "team": team.pk}
    )
    assert response.status_code == 200  # the form again, with the error
    assert ServiceAddress.objects.count() == 1


def test_staff_who_are_no_administrators_do_not_see_the_admin_page(client, support):
    clerk = UserFactory(username="clerk", is_staff=True, roles=["service"])
    client.force_login(clerk)

    assert client.get("/admin/service/serviceaddress/").status_code == 403
