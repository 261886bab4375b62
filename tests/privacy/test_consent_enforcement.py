"""§ 7 UWG: a workflow's send_email for a purpose is blocked, with a clear
message in the run's log, unless the contact has a valid basis for that
purpose; a withdrawal or an objection blocks it again. Without a purpose the
action sends as before. The contact's page shows the Consents section."""

import pytest

from kontor.consent.models import Purpose
from kontor.consent.services import consent_record
from kontor.integration.models import OutgoingEmail
from kontor.workflow.engine import run_rule
from tests.factories import ContactFactory, UserFactory
from tests.workflow.conftest import drain, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="wf-owner", roles=["administrator"])


@pytest.fixture
def contact(owner):
    Purpose.objects.create(key="newsletter", name="Newsletter")
    contact = ContactFactory(
        first_name="Clara",
        last_name="Klick",
        emails=[{"address": "clara@klick.example"}],
        owner=owner,
    )
    drain()
    return contact


MAIL = {"type": "send_email", "subject": "News", "body": "Our offers", "purpose": "newsletter"}


def _run(owner, contact, action=MAIL):
    rule = make_rule(owner, actions=[action])
    return run_rule(rule, contact, trigger="created").actions[0]


def _grant(owner, contact, status="granted"):
    consent_record(
        actor=owner,
        contact=contact,
        purpose_key="newsletter",
        data={"status": status, "text_version": "v1", "channel": "web form"},
    )


def test_no_basis_blocks_the_email_with_a_clear_message(owner, contact):
    result = _run(owner, contact)

    assert result["status"] == "failed"
    assert "not sent" in result["error"] and "Newsletter" in result["error"]
    assert not OutgoingEmail.objects.exists()


def test_a_confirmed_consent_lets_it_through(owner, contact):
    _grant(owner, contact)

    assert _run(owner, contact)["status"] == "done"
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.parametrize("status", ["withdrawn", "objected"])
def test_a_withdrawal_or_objection_blocks_it_again(owner, contact, status):
    _grant(owner, contact)
    consent_record(actor=owner, contact=contact, purpose_key="newsletter", data={"status": status})

    result = _run(owner, contact)
    assert result["status"] == "failed" and "not sent" in result["error"]
    assert not OutgoingEmail.objects.exists()


def test_an_email_without_a_purpose_is_not_checked(owner, contact):
    action = {k: v for k, v in MAIL.items() if k != "purpose"}
    assert _run(owner, contact, action)["status"] == "done"


def test_a_rule_naming_an_unknown_purpose_is_refused(owner, contact):
    from kontor.core.exceptions import FieldErrors

    with pytest.raises(FieldErrors) as refused:
        make_rule(owner, actions=[{**MAIL, "purpose": "nope"}])
    assert "purpose" in str(refused.value)


def test_the_contact_page_shows_consents_and_records_them(owner, contact, client):
    _grant(owner, contact)
    client.force_login(owner)

    page = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="consents"' in page and 'data-purpose="newsletter"' in page
    assert 'data-testid="consent-opt-in-form"' in page

    response = client.post(
        f"/contacts/{contact.pk}/consents/",
        {"purpose": "newsletter", "status": "withdrawn", "legal_basis": "consent"},
    )
    assert response.status_code == 302
    assert _run(owner, contact)["status"] == "failed"

    sent = client.post(
        f"/contacts/{contact.pk}/consents/opt-in/", {"purpose": "newsletter", "text_version": "v2"}
    )
    assert sent.status_code == 302
    assert OutgoingEmail.objects.get().to_addresses == ["clara@klick.example"]


def test_a_read_only_user_sees_consents_without_the_forms(owner, contact, client):
    client.force_login(UserFactory(username="looker", roles=["read-only"]))
    page = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="consents"' in page and "consent-record-form" not in page
    response = client.post(
        f"/contacts/{contact.pk}/consents/", {"purpose": "newsletter", "status": "withdrawn"}
    )
    assert response.status_code == 403


def test_administrators_manage_purposes_on_their_page(owner, client):
    client.force_login(owner)
    response = client.post(
        "/consent/purposes/", {"key": "phone", "name": "Phone marketing", "requires_consent": "on"}
    )
    assert response.status_code == 302
    page = client.get("/consent/purposes/").content.decode()
    assert "Phone marketing" in page and 'href="/consent/purposes/"' in page
    client.force_login(UserFactory(username="seller2", roles=["sales"]))
    assert client.get("/consent/purposes/").status_code == 403
