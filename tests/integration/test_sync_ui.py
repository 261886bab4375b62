"""The web UI of a record an ERP maintains: its fields say "Maintained in
SAP" and cannot be changed; Kontor's own fields can."""

import json

import pytest
from django.test import Client

from kontor.contacts.models import Organization
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_erps_fields_show_where_they_are_maintained_and_stay_as_they_are(user):
    erp = api_client_for(UserFactory(username="erp", roles=["administrator"]))
    body = {"name": "ACME GmbH", "emails": ["info@acme.example"]}
    response = erp.put(
        "/api/v1/sync/organizations/sap/4711", json.dumps(body), content_type="application/json"
    )
    organization = Organization.objects.get(pk=response.json()["id"])
    browser = Client()
    browser.force_login(user)
    url = f"/organizations/{organization.pk}/edit/"
    page = browser.get(url).content.decode()
    assert "Maintained in SAP; change it there." in page
    assert "Maintained in SAP; change them there." in page
    assert 'name="name"' in page and "disabled" in page
    form = {
        "name": "Renamed in the browser",
        "website": "acme.example",
        "lifecycle_stage": "customer",
        "notes": "Key account",
        "version": organization.version,
        "phone_0_label": "work",
        "phone_1_label": "work",
    }
    response = browser.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert organization.name == "ACME GmbH"  # the ERP's
    assert organization.notes == "Key account"  # Kontor's
    assert organization.website == "acme.example"  # not delivered by the ERP
    assert list(organization.emails.values_list("address", flat=True)) == ["info@acme.example"]
