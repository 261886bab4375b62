import pytest
from django.test import Client

from kontor.dedupe.models import DuplicatePair, Merge, PairStatus
from kontor.dedupe.scan import scan_all
from tests.contacts.test_views import contact_form
from tests.dedupe.conftest import make_organization
from tests.factories import UserFactory


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_page_lists_pairs_with_their_reasons(browser, meiers):
    hans, hans_again, _ = meiers
    scan_all("contact")
    page = browser.get("/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(hans) in html and str(hans_again) in html
    assert "hans@meier.example" in html


def test_merging_from_the_review_page_keeps_the_chosen_record(browser, meiers):
    hans, hans_again, _ = meiers
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    kept = hans_again if str(pair.b) == str(hans_again.pk) else hans
    answer = browser.post(f"/duplicates/{pair.pk}/merge/", {"keep": "b"})
    assert answer.status_code == 302
    merge = Merge.objects.get()
    assert str(merge.survivor_id) == str(pair.b) == str(kept.pk)
    # The merged record's page leads to the kept one.
    other = pair.a
    assert browser.get(f"/contacts/{other}/").url == f"/contacts/{kept.pk}/"
    review = browser.get("/duplicates/").content.decode()
    assert f"/duplicates/merges/{merge.pk}/undo/" in review
    browser.post(f"/duplicates/merges/{merge.pk}/undo/")
    assert browser.get(f"/contacts/{other}/").status_code == 200


def test_not_a_duplicate_from_the_review_page(browser, meiers):
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    browser.post(f"/duplicates/{pair.pk}/not-duplicate/")
    pair.refresh_from_db()
    assert pair.status == PairStatus.NOT_DUPLICATE
    assert "No duplicates found" in browser.get("/duplicates/").content.decode()


def test_organizations_review_and_bad_parameters(browser, user):
    make_organization(user, "Müller GmbH")
    make_organization(user, "Müller AG")
    scan_all("organization")
    assert "Müller AG" in browser.get("/duplicates/?type=organizations").content.decode()
    assert browser.get("/duplicates/?type=x&min_score=y").status_code == 200
    assert browser.get("/duplicates/?cursor=%%%").status_code == 404


def test_a_rep_cannot_act_on_pairs_they_may_not_read(user, meiers):
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    rep = UserFactory(username="rep2", roles=["sales"])
    client = Client()
    client.force_login(rep)
    assert "Hans" not in client.get("/duplicates/").content.decode()
    assert client.post(f"/duplicates/{pair.pk}/merge/", {"keep": "a"}).status_code == 404
    assert client.post(f"/duplicates/{pair.pk}/not-duplicate/").status_code == 404


def test_a_reader_cannot_decide_a_pair_from_the_review_page(meiers):
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    client = Client()
    client.force_login(UserFactory(username="reader", roles=["read-only"]))
    answer = client.post(f"/duplicates/{pair.pk}/not-duplicate/", follow=True)
    assert "You may not edit both records of this pair." in answer.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_creating_a_contact_warns_of_duplicates(browser, user, meiers):
    hans, _, _ = meiers
    scan_all("contact")
    answer = browser.post(
        "/contacts/new/",
        contact_form(
            first_name="Hans",
            last_name="Maier",
            email_0_address="hans@meier.example",
            owner=user.pk,
        ),
        follow=True,
    )
    html = answer.content.decode()
    assert "may be a duplicate" in html
    assert hans.get_absolute_url() in html


def test_the_merged_records_history_stays_readable(browser, user, meiers):
    from kontor.dedupe.services import merge_records

    hans, hans_again, _ = meiers
    merge_records(actor=user, kind="contact", keep=hans.pk, merge=[hans_again.pk])
    history = browser.get(f"/audit/contact/{hans_again.pk}/")
    assert history.status_code == 200
    survivor = browser.get(f"/audit/contact/{hans.pk}/").content.decode()
    assert "merged_from" in survivor or str(hans_again.pk) in survivor
