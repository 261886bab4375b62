import pytest

from kontor.access.services import share_create
from kontor.dedupe.models import DuplicatePair, Merge, PairStatus
from kontor.dedupe.scan import scan_all
from kontor.events.dispatch import dispatch_pending
from tests.conftest import api_client_for
from tests.dedupe.conftest import make_contact, make_organization
from tests.factories import UserFactory


@pytest.fixture
def rep(db):
    return UserFactory(username="rep2", roles=["sales"])


def test_the_list_answers_pairs_with_reasons(api, meiers):
    hans, hans_again, _ = meiers
    scan_all("contact")
    answer = api.get("/api/v1/duplicates?type=contacts&min_score=0.8")
    assert answer.status_code == 200
    body = answer.json()
    assert body["next"] is None
    [item] = body["items"]
    assert {item["a"], item["b"]} == {str(hans.pk), str(hans_again.pk)}
    assert item["score"] >= 0.8
    assert {"field", "a", "b", "similarity"} == set(item["reasons"][0])
    assert api.get("/api/v1/duplicates?type=contacts&min_score=1").json()["items"] == []


def test_the_list_pages(api, user):
    for number in range(3):
        make_contact(user, "Anna", "Schmidt", emails=[f"anna{number}@x.example"])
    scan_all("contact")
    first = api.get("/api/v1/duplicates?type=contacts&min_score=0.5&limit=2").json()
    assert len(first["items"]) == 2 and first["next"]
    second = api.get(f"/api/v1/duplicates?type=contacts&min_score=0.5&cursor={first['next']}")
    assert len(second.json()["items"]) == 1


@pytest.mark.parametrize(
    "query", ["type=people", "min_score=2", "min_score=x", "limit=0", "cursor=%%%"]
)
def test_bad_list_parameters_are_422(api, query):
    assert api.get(f"/api/v1/duplicates?{query}").status_code == 422


def test_a_rep_sees_only_pairs_of_records_they_may_read_both_of(user, rep):
    mine = make_contact(rep, "Hans", "Meier", owner=rep, emails=["hans@meier.example"])
    theirs = make_contact(user, "Hans", "Meyer", emails=["hans@meier.example"])
    make_organization(user, "Müller GmbH")
    make_organization(user, "Müller AG")
    scan_all("contact")
    scan_all("organization")
    client = api_client_for(rep)
    assert client.get("/api/v1/duplicates?type=contacts").json()["items"] == []
    assert client.get("/api/v1/duplicates?type=organizations").json()["items"] == []
    share_create(actor=user, record=theirs, user=rep)
    [item] = client.get("/api/v1/duplicates?type=contacts").json()["items"]
    assert {item["a"], item["b"]} == {str(mine.pk), str(theirs.pk)}


def test_not_a_duplicate_is_remembered(api, meiers):
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    answer = api.post(f"/api/v1/duplicates/{pair.pk}/not-duplicate")
    assert answer.status_code == 200
    assert answer.json()["status"] == "not_duplicate"
    scan_all("contact")
    assert DuplicatePair.objects.get().status == PairStatus.NOT_DUPLICATE
    assert api.get("/api/v1/duplicates?type=contacts").json()["items"] == []
    assert api.post("/api/v1/duplicates/nope/not-duplicate").status_code == 404


def test_deciding_a_pair_needs_the_right_to_edit_both_records(meiers):
    # Read-only users see every pair but change no record, nor a decision about two.
    scan_all("contact")
    pair = DuplicatePair.objects.get()
    reader = api_client_for(UserFactory(username="reader", roles=["read-only"]))
    assert len(reader.get("/api/v1/duplicates?type=contacts").json()["items"]) == 1
    answer = reader.post(f"/api/v1/duplicates/{pair.pk}/not-duplicate")
    assert answer.status_code == 403
    assert DuplicatePair.objects.get().status == PairStatus.OPEN


def test_a_new_contact_answers_with_its_possible_duplicates(api, user, meiers):
    hans, hans_again, _ = meiers
    scan_all("contact")
    answer = api.post(
        "/api/v1/contacts",
        {"first_name": "Hans", "last_name": "Maier", "emails": [{"address": "hans@meier.example"}]},
    )
    assert answer.status_code == 201
    found = answer.json()["possible_duplicates"]
    assert {item["id"] for item in found} == {str(hans.pk), str(hans_again.pk)}
    assert all(item["score"] >= 0.6 and item["reasons"] for item in found)
    plain = api.post("/api/v1/contacts", {"first_name": "Zora", "last_name": "Quint"})
    assert plain.json()["possible_duplicates"] == []


def test_possible_duplicates_name_only_readable_records(user, rep):
    make_contact(user, "Hans", "Meier", emails=["hans@meier.example"])
    scan_all("contact")
    answer = api_client_for(rep).post(
        "/api/v1/contacts",
        {"first_name": "Hans", "last_name": "Meier", "emails": [{"address": "hans@meier.example"}]},
    )
    assert answer.status_code == 201
    assert answer.json()["possible_duplicates"] == []


def test_a_new_organization_answers_with_its_possible_duplicates(api, user):
    known = make_organization(user, "Bäckerei Schulz GmbH")
    scan_all("organization")
    answer = api.post("/api/v1/organizations", {"name": "Bäckerei Schulz KG"})
    assert [item["id"] for item in answer.json()["possible_duplicates"]] == [str(known.pk)]


def test_merge_undo_and_the_merged_id(api, user, meiers):
    hans, hans_again, _ = meiers
    answer = api.post(
        "/api/v1/contacts/merge",
        {
            "keep": str(hans.pk),
            "merge": [str(hans_again.pk)],
            "fields": {"last_name": str(hans_again.pk)},
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["keep"] == str(hans.pk) and body["merged"] == [str(hans_again.pk)]
    assert body["removed"] == {"email_address:contact_id": 1}
    gone = api.get(f"/api/v1/contacts/{hans_again.pk}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": "Not found.", "merged_into": str(hans.pk)}
    assert api.get(f"/api/v1/contacts/{hans.pk}").json()["last_name"] == "Meyer"
    assert api.get(f"/api/v1/merges/{body['id']}").json()["id"] == body["id"]

    undone = api.post(f"/api/v1/merges/{body['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["undone_at"]
    assert api.get(f"/api/v1/contacts/{hans_again.pk}").status_code == 200
    assert api.get(f"/api/v1/contacts/{hans.pk}").json()["last_name"] == "Meier"
    assert api.post(f"/api/v1/merges/{body['id']}/undo").status_code == 409


def test_merging_organizations_through_the_api(api, user):
    keep = make_organization(user, "Müller GmbH")
    merge = make_organization(user, "Mueller AG")
    answer = api.post(
        "/api/v1/organizations/merge", {"keep": str(keep.pk), "merge": [str(merge.pk)]}
    )
    assert answer.status_code == 201
    gone = api.get(f"/api/v1/organizations/{merge.pk}")
    assert gone.json()["merged_into"] == str(keep.pk)


def test_a_rep_may_not_merge_what_they_may_not_edit(user, rep):
    mine = make_contact(rep, "Hans", "Meier", owner=rep)
    theirs = make_contact(user, "Hans", "Meyer")
    client = api_client_for(rep)
    body = {"keep": str(mine.pk), "merge": [str(theirs.pk)]}
    # Not visible: as if it did not exist.
    assert client.post("/api/v1/contacts/merge", body).status_code == 404
    share_create(actor=user, record=theirs, user=rep)
    assert client.post("/api/v1/contacts/merge", body).status_code == 403
    assert not Merge.objects.exists()
    # Nor undo a merge of records they may not edit.
    merge = api_client_for(user).post(
        "/api/v1/contacts/merge", {"keep": str(theirs.pk), "merge": [str(mine.pk)]}
    )
    assert merge.status_code == 201
    assert client.post(f"/api/v1/merges/{merge.json()['id']}/undo").status_code == 403


def test_a_merged_id_names_its_survivor_only_to_those_who_may_read_it(user, rep):
    keep = make_contact(user, "Hans", "Meier")
    merged = make_contact(user, "Hans", "Meyer")
    api_client_for(user).post(
        "/api/v1/contacts/merge", {"keep": str(keep.pk), "merge": [str(merged.pk)]}
    )
    assert api_client_for(rep).get(f"/api/v1/contacts/{merged.pk}").json() == {
        "detail": "Not found."
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"keep": "x", "merge": []},
        {"keep": "01a24721-9664-738b-8305-ea185e18fdf0", "merge": "abc"},
        {"keep": "01a24721-9664-738b-8305-ea185e18fdf0", "merge": []},
        {
            "keep": "01a24721-9664-738b-8305-ea185e18fdf0",
            "merge": ["01a24721-9664-738b-8305-ea185e18fdf0"],
        },
    ],
)
def test_bad_merge_bodies_are_422(api, body):
    assert api.post("/api/v1/contacts/merge", body).status_code == 422


def test_a_field_naming_no_record_of_the_merge_is_422(api, meiers):
    hans, hans_again, other = meiers
    answer = api.post(
        "/api/v1/contacts/merge",
        {"keep": str(hans.pk), "merge": [str(hans_again.pk)], "fields": {"notes": str(other.pk)}},
    )
    assert answer.status_code == 422
    assert "notes" in str(answer.json()["detail"])


def test_unknown_merges_are_404(api):
    assert api.get("/api/v1/merges/x").status_code == 404
    assert api.post("/api/v1/merges/01a24721-9664-738b-8305-ea185e18fdf0/undo").status_code == 404


def test_the_scan_sees_a_merge(api, meiers):
    hans, hans_again, _ = meiers
    scan_all("contact")
    api.post("/api/v1/contacts/merge", {"keep": str(hans.pk), "merge": [str(hans_again.pk)]})
    dispatch_pending()
    assert DuplicatePair.objects.get().status == PairStatus.MERGED
    assert api.get("/api/v1/duplicates?type=contacts&min_score=0").json()["items"] == []


def test_the_list_costs_the_same_queries_however_many_pairs(api, user, rep):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(rep)

    def queries(client) -> int:
        scan_all("contact")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/duplicates?type=contacts&min_score=0.5").status_code == 200
        return len(captured)

    make_contact(rep, "Anna", "Schmidt", owner=rep, emails=["anna@a.example"])
    make_contact(rep, "Anna", "Schmitt", owner=rep, emails=["anna@a.example"])
    queries(client), queries(api)  # warm: the access rules and the token are cached
    few, few_admin = queries(client), queries(api)
    for number in range(6):
        make_contact(rep, "Jan", "Becker", owner=rep, emails=[f"jan{number}@b.example"])
    assert client.get("/api/v1/duplicates?type=contacts&min_score=0.5").json()["items"]
    assert queries(client) == few
    assert queries(api) == few_admin
