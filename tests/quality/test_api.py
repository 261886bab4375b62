"""The score on the 360° view, the lists' filter and the clean-up queue,
through the API and the pages, as each user may read them; and scores kept
up to date by the worker."""

import pytest

from kontor.access.models import Role
from kontor.access.services import share_create
from kontor.contacts.services import contact_update
from kontor.events.tasks import dispatch_outbox
from kontor.quality.compute import rescore, rescore_all
from kontor.quality.models import QualityScore
from kontor.tasks.services import enqueue
from kontor.tasks.worker import run_until_empty
from tests.conftest import api_client_for
from tests.dedupe.conftest import make_contact, make_organization
from tests.factories import UserFactory


@pytest.fixture
def rep(db):
    return UserFactory(username="rep2", roles=["sales"])


@pytest.fixture
def records(user):
    """A complete contact, a sparse one and a sparse organization."""
    organization = make_organization(user, "Voll GmbH", website="https://voll.example",
                                     emails=[{"address": "info@voll.example"}],
                                     phones=[{"number": "+49 30 901820"}])  # fmt: skip
    full = make_contact(user, "Eva", "Voll", emails=["eva@voll.example"],
                        phones=["+49 30 901821"], organization_id=str(organization.pk))  # fmt: skip
    sparse = make_contact(user, "", "", emails=["nur@mail.example"])
    empty_org = make_organization(user, "Leer AG")
    rescore_all("contact")
    rescore_all("organization")
    return full, sparse, organization, empty_org


def _score(kind, record):
    return QualityScore.objects.get(kind=kind, record_id=record.pk).score


def test_the_overview_answers_the_score_with_its_parts_and_reasons(api, records):
    full, sparse, _, empty_org = records
    body = api.get(f"/api/v1/contacts/{sparse.pk}/overview").json()
    quality = body["quality"]
    assert quality["score"] == _score("contact", sparse) < 100
    assert set(quality["parts"]) == {"completeness", "validity", "freshness", "duplicates"}
    assert quality["parts"]["completeness"]["of"] == 40
    texts = [r["text"] for r in quality["reasons"]]
    assert "no phone number" in texts and "no organization" in texts
    assert "missing_fields" in body  # nothing removed
    assert api.get(f"/api/v1/contacts/{full.pk}/overview").json()["quality"]["score"] == 100
    org = api.get(f"/api/v1/organizations/{empty_org.pk}/overview").json()["quality"]
    assert "no contacts" in [r["text"] for r in org["reasons"]]


def test_a_record_not_scored_yet_answers_null(api, user):
    fresh = make_contact(user, "Neu", "Ling")
    assert api.get(f"/api/v1/contacts/{fresh.pk}/overview").json()["quality"] is None


def test_the_lists_filter_by_score(api, records):
    _full, sparse, _organization, empty_org = records
    ids = [i["id"] for i in api.get("/api/v1/contacts?quality_below=100").json()["items"]]
    assert ids == [str(sparse.pk)]
    everyone = api.get("/api/v1/contacts?quality_below=100&q=voll").json()["items"]
    assert everyone == []  # the filter holds in a search too
    below = _score("contact", sparse)
    assert api.get(f"/api/v1/contacts?quality_below={below}").json()["items"] == []
    orgs = api.get("/api/v1/organizations?quality_below=100").json()["items"]
    assert [o["id"] for o in orgs] == [str(empty_org.pk)]


@pytest.mark.parametrize("value", ["-1", "101", "x"])
def test_a_bad_filter_value_is_422_naming_the_field(api, value):
    answer = api.get(f"/api/v1/contacts?quality_below={value}")
    assert answer.status_code == 422
    assert "quality_below" in answer.content.decode()


def test_the_queue_lists_the_worst_first_and_pages(api, user, records):
    _full, sparse, *_ = records
    worse = make_contact(user, "", "", phones=["+49 30 901822"], owner_id=None)
    rescore_all("contact")
    body = api.get("/api/v1/quality?type=contacts").json()
    assert [i["id"] for i in body["items"]] == [str(worse.pk), str(sparse.pk)]
    item = body["items"][0]
    assert item["type"] == "contact" and item["score"] < _score("contact", sparse)
    assert {"id", "name", "score", "parts", "reasons", "computed_at"} <= set(item)
    first = api.get("/api/v1/quality?type=contacts&limit=1").json()
    second = api.get(f"/api/v1/quality?type=contacts&limit=1&cursor={first['next']}").json()
    assert [i["id"] for i in first["items"] + second["items"]] == [str(worse.pk), str(sparse.pk)]
    assert second["next"] is None
    assert api.get("/api/v1/quality?type=contacts&below=1").json()["items"] == []


@pytest.mark.parametrize("query", ["type=people", "below=0", "below=x", "limit=0", "cursor=%%%"])
def test_bad_queue_parameters_are_422(api, query):
    assert api.get(f"/api/v1/quality?{query}").status_code == 422


def test_a_rep_sees_only_scores_of_records_they_may_read(user, rep, records):
    _, sparse, _, _empty_org = records
    mine = make_contact(rep, "", "", owner=rep, emails=["meins@mail.example"])
    rescore_all("contact")
    client = api_client_for(rep)
    queue = client.get("/api/v1/quality?type=contacts").json()["items"]
    assert [i["id"] for i in queue] == [str(mine.pk)]
    assert client.get("/api/v1/quality?type=organizations").json()["items"] == []
    listed = client.get("/api/v1/contacts?quality_below=100").json()["items"]
    assert [i["id"] for i in listed] == [str(mine.pk)]
    assert client.get(f"/api/v1/contacts/{sparse.pk}/overview").status_code == 404
    share_create(actor=user, record=sparse, user=rep)
    queue = client.get("/api/v1/quality?type=contacts").json()["items"]
    assert {i["id"] for i in queue} == {str(mine.pk), str(sparse.pk)}


def test_reasons_name_only_fields_the_user_may_read(user, records):
    _, sparse, *_ = records
    role = Role.objects.create(
        slug="standard-only",
        name="standard only",
        levels={"*": {"read": "all"}},
        categories={"standard": "edit"},
    )
    reader = UserFactory(username="plain", roles=[])
    reader.kontor_roles.set([role])
    as_admin = api_client_for(user).get(f"/api/v1/contacts/{sparse.pk}/overview").json()
    assert {"phone", "organization"} <= {r.get("field") for r in as_admin["quality"]["reasons"]}
    quality = api_client_for(reader).get(f"/api/v1/contacts/{sparse.pk}/overview").json()
    fields = {r.get("field") for r in quality["quality"]["reasons"]}
    assert "phone" not in fields and "email" not in fields
    assert "organization" in fields
    assert "nur@mail.example" not in str(quality["quality"])


def _work_off_the_outbox() -> None:
    """What a commit queues (the tests' transaction never commits): the
    dispatcher job, run by the worker."""
    enqueue(dispatch_outbox, name="Dispatch events", unique_key="events.dispatch")
    run_until_empty()


def test_a_change_is_scored_again_on_the_worker(user, records):
    _, sparse, *_ = records
    before = _score("contact", sparse)
    contact_update(
        actor=user, contact=sparse,
        data={"first_name": "Nur", "last_name": "Mail", "phones": [{"number": "+49 30 901823"}]},
    )  # fmt: skip
    assert _score("contact", sparse) == before  # nothing in the request
    _work_off_the_outbox()
    after = QualityScore.objects.get(kind="contact", record_id=sparse.pk)
    assert after.score > before
    assert {r.get("field") for r in after.reasons} == {"organization"}


def test_a_new_contact_scores_its_organization_again_on_the_worker(user, records):
    *_, empty_org = records
    newcomer = make_contact(user, "Lea", "Leer", organization_id=str(empty_org.pk))
    _work_off_the_outbox()
    assert QualityScore.objects.filter(kind="contact", record_id=newcomer.pk).exists()
    reasons = QualityScore.objects.get(kind="organization", record_id=empty_org.pk).reasons
    assert {"part": "completeness", "code": "missing", "field": "contacts"} not in reasons


def test_an_activity_freshens_its_contact_on_the_worker(user, records):
    import datetime

    from django.utils import timezone

    from kontor.activities.services import activity_create
    from kontor.contacts.models import Contact

    _, sparse, *_ = records
    Contact.objects.filter(pk=sparse.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=400)
    )
    rescore_all("contact")
    stale = QualityScore.objects.get(kind="contact", record_id=sparse.pk)
    assert stale.freshness < 20
    activity_create(
        actor=user, data={"kind": "note", "body": "Rückruf", "contact_id": str(sparse.pk)}
    )
    _work_off_the_outbox()
    assert QualityScore.objects.get(kind="contact", record_id=sparse.pk).freshness == 20


def test_the_daily_schedule_and_the_command_rescore_everything(user, records):
    from django.core.management import call_command

    from kontor.quality.tasks import rescore_quality
    from kontor.tasks.models import Schedule
    from kontor.tasks.schedules import sync_schedules

    QualityScore.objects.all().delete()
    call_command("rescore", "--type", "organizations")
    assert QualityScore.objects.filter(kind="organization").count() == 2
    assert not QualityScore.objects.filter(kind="contact").exists()
    sync_schedules()
    schedule = Schedule.objects.get(name="quality.rescore")
    assert schedule.task_path == "kontor.quality.tasks.rescore_quality"
    enqueue(rescore_quality, name="Rescore")
    run_until_empty()
    assert QualityScore.objects.filter(kind="contact").count() == 2


def test_the_queue_reads_a_fixed_number_of_queries_whatever_its_length(api, user):
    from tests.query_counts import CaptureWorkQueries

    def queries_for_queue() -> int:
        rescore_all("contact")
        api.get("/api/v1/quality?type=contacts")  # the token's and the access cache warm
        with CaptureWorkQueries() as captured:
            assert api.get("/api/v1/quality?type=contacts").status_code == 200
        return len(captured.work)

    for number in range(2):
        make_contact(user, "", "", emails=[f"a{number}@mail.example"])
    few = queries_for_queue()
    for number in range(8):
        make_contact(user, "", "", emails=[f"b{number}@mail.example"])
    assert queries_for_queue() == few


def test_the_rescore_reads_a_fixed_number_of_queries_per_batch(user, meiers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kontor.activities.services import activity_create

    hans, hans_again, other = meiers
    with CaptureQueriesContext(connection) as few:
        rescore("contact", [hans.pk])
    for contact in (hans, hans_again, other):
        activity_create(
            actor=user, data={"kind": "note", "body": "x", "contact_id": str(contact.pk)}
        )
    with CaptureQueriesContext(connection) as more:
        rescore("contact", [hans.pk, hans_again.pk, other.pk])
    assert len(more) == len(few)


def test_the_export_keeps_the_lists_quality_filter(api, records):
    import csv
    import io

    _full, sparse, *_ = records
    answer = api.get("/api/v1/contacts/export?format=csv&quality_below=100")
    assert answer.status_code == 200, answer.content
    text = b"".join(answer.streaming_content).decode("utf-8").lstrip("\ufeff")
    ids = [row["id"] for row in csv.DictReader(io.StringIO(text))]
    assert ids == [str(sparse.pk)]
