"""The register of processing activities (GDPR Art. 30): generated from the
configuration as JSON, as an HTML page and as PDF, for the data protection
officer and administrators only; it follows the configuration."""

import pytest

from kontor.consent.services import purpose_create
from kontor.integration.webhooks.services import subscription_create
from kontor.privacy.models import RetentionRule
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/privacy/register"


@pytest.fixture
def admin():
    return UserFactory(username="register-admin", roles=["administrator"])


@pytest.fixture
def dpo():
    return UserFactory(username="register-dpo", roles=["data-protection-officer"])


@pytest.fixture
def api(dpo):
    return api_client_for(dpo)


def test_the_register_as_json_has_every_part(api, admin, settings):
    settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE = True
    subscription_create(
        actor=admin, data={"url": "http://127.0.0.1:9/erp-hook", "events": ["contact.created"]}
    )

    response = api.get(URL)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["format"] == "kontor.processing-register"
    assert body["controller"]["name"]
    assert body["purposes"][0]["key"] == "crm"
    assert {subject["key"] for subject in body["data_subjects"]} == {"contact", "user"}
    kinds = {item["record_type"]: item for item in body["data_categories"]}
    assert {"contact", "invoice", "activity"} <= set(kinds)
    categories = {field["key"]: field["category"] for field in kinds["invoice"]["fields"]}
    assert categories["payment"] == "financial"
    assert kinds["invoice"]["sensitive"] is True
    assert {"kind": "webhook", "name": "http://127.0.0.1:9/erp-hook"}.items() <= {
        **body["recipients"][0]
    }.items()
    periods = {(item["record_type"], item["category"]): item for item in body["retention"]}
    assert periods[("invoice", "")]["months"] == 96
    assert "KONTOR_AUDIT_RETENTION_DAYS" in {item["setting"] for item in body["retention"]}
    assert {"access_rules", "encryption", "audit", "two_factor", "backups"} <= {
        measure["key"] for measure in body["measures"]
    }


def test_the_register_changes_with_the_configuration(api, admin):
    before = api.get(URL).json()
    purpose_create(actor=admin, key="newsletter-register", name="Monthly newsletter")
    RetentionRule.objects.filter(record_type="contact", category="customer").delete()
    api.post(
        "/api/v1/privacy/retention-rules",
        {"record_type": "contact", "category": "customer", "months": 60, "legal_ground": "BGB"},
    )

    after = api.get(URL).json()

    assert "newsletter-register" not in {item["key"] for item in before["purposes"]}
    assert "Monthly newsletter" in {item["name"] for item in after["purposes"]}
    added = [item for item in after["retention"] if item["category"] == "customer"]
    assert [(item["months"], item["legal_ground"]) for item in added] == [(60, "BGB")]
    assert len(after["retention"]) == len(before["retention"]) + 1


def test_the_register_as_html(api, admin):
    purpose_create(actor=admin, key="profiling", name="Lead scoring profile")

    response = api.get(URL, {"format": "html"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "<html" in text
    assert "Lead scoring profile" in text
    assert 'data-testid="register-retention"' in text


def test_the_register_as_pdf(api):
    for response in (api.get(URL, {"format": "pdf"}), api.get(f"{URL}.pdf")):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_the_register_page_is_in_the_officers_navigation(client, dpo):
    client.force_login(dpo)

    home = client.get("/privacy/requests/").content.decode()
    page = client.get("/privacy/register/")
    pdf = client.get("/privacy/register.pdf")

    assert 'href="/privacy/register/"' in home
    assert page.status_code == 200
    assert "Art. 30" in page.content.decode()
    assert pdf.content.startswith(b"%PDF")


def test_only_the_officer_and_administrators_read_the_register(admin):
    rep = api_client_for(UserFactory(username="register-rep", roles=["sales"]))

    assert rep.get(URL).status_code == 403
    assert rep.get(URL, {"format": "pdf"}).status_code == 403
    assert rep.get(f"{URL}.pdf").status_code == 403
    assert api_client_for(admin).get(URL).status_code == 200


def test_a_bad_format_is_a_422(api):
    response = api.get(URL, {"format": "docx"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "format"
