"""The clean-up queue page, the score card on the record pages and the
lists' filter in the web interface."""

import pytest
from django.test import Client

from kontor.quality.compute import rescore_all
from tests.dedupe.conftest import make_contact, make_organization
from tests.factories import UserFactory


@pytest.fixture
def browser_of(db):
    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def people(user):
    full = make_contact(user, "Eva", "Voll", emails=["eva@voll.example"],
                        phones=["+49 30 901821"],
                        organization_id=str(make_organization(user, "Voll GmbH").pk))  # fmt: skip
    sparse = make_contact(user, "", "", emails=["nur@mail.example"])
    rescore_all("contact")
    return full, sparse


def test_the_queue_page_lists_the_worst_with_reasons_and_links(user, browser_of, people):
    full, sparse = people
    page = browser_of(user).get("/quality/?type=contacts")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/contacts/{sparse.pk}/edit/" in html
    assert "no phone number" in html
    assert f"/contacts/{full.pk}/" not in html  # a perfect record needs no clean-up


def test_the_queue_page_links_to_the_duplicate_review(user, browser_of, meiers):
    from kontor.dedupe.scan import scan_all

    scan_all("contact")
    rescore_all("contact")
    html = browser_of(user).get("/quality/?type=contacts").content.decode()
    assert "1 possible duplicate" in html
    assert "/duplicates/?type=contacts" in html


def test_the_queue_page_shows_a_rep_only_their_records(user, browser_of, people):
    rep = UserFactory(username="rep2", roles=["sales"])
    html = browser_of(rep).get("/quality/").content.decode()
    assert "nur@mail.example" not in html
    assert "No record scored below this." in html


def test_bad_queue_parameters_fall_back_to_the_defaults(user, browser_of, people):
    client = browser_of(user)
    for query in ("type=x", "below=x", "cursor=%%%"):
        assert client.get(f"/quality/?{query}").status_code == 200


def test_the_contact_page_shows_the_score_card(user, browser_of, people):
    _, sparse = people
    html = browser_of(user).get(f"/contacts/{sparse.pk}/").content.decode()
    assert 'data-testid="overview-quality"' in html
    assert "no organization" in html


def test_the_contact_list_filters_by_quality(user, browser_of, people):
    full, sparse = people
    html = browser_of(user).get("/contacts/?quality_below=100").content.decode()
    assert f"/contacts/{sparse.pk}/" in html
    assert f"/contacts/{full.pk}/" not in html
    assert 'name="quality_below"' in html
