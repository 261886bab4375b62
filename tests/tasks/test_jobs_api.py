"""Administrators see the queue: GET /api/v1/jobs, GET /api/v1/jobs/{id},
POST /api/v1/jobs/{id}/retry, and the jobs page with its progress bars."""

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kontor.audit.models import AuditEntry
from kontor.tasks.services import enqueue, report_progress
from kontor.tasks.worker import run_until_empty
from tests.conftest import api_client_for
from tests.factories import UserFactory
from tests.tasks import sample_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return UserFactory(username="admin-of-jobs", roles=["administrator"])


@pytest.fixture
def failed_job():
    job = enqueue(sample_tasks.always_fails, name="Partner sync", max_attempts=1)
    run_until_empty()
    return job


def test_an_administrator_lists_jobs_by_status(administrator, failed_job):
    finished = enqueue(sample_tasks.add, args=[1, 2], name="Sum")
    run_until_empty()
    queued = enqueue(sample_tasks.counted, args=[10], name="Import")
    report_progress(queued.pk, done=4, total=10)
    api = api_client_for(administrator)

    everything = api.get("/api/v1/jobs").json()["items"]
    assert [j["id"] for j in everything] == [str(queued.pk), str(finished.pk), str(failed_job.pk)]
    failed = api.get("/api/v1/jobs", {"status": "failed"}).json()["items"]
    assert [j["id"] for j in failed] == [str(failed_job.pk)]
    assert failed[0]["status"] == "failed"
    assert failed[0]["attempts"] == 1
    assert failed[0]["max_attempts"] == 1
    assert "the partner system answered 503" in failed[0]["error"]
    assert failed[0]["task"] == "tests.tasks.sample_tasks.always_fails"
    waiting = api.get(f"/api/v1/jobs/{queued.pk}").json()
    assert waiting["status"] == "queued"
    assert waiting["progress"] == {"done": 4, "total": 10}
    assert api.get("/api/v1/jobs", {"status": "finished"}).json()["items"][0]["name"] == "Sum"


def test_jobs_page_through(administrator):
    for number in range(3):
        enqueue(sample_tasks.add, args=[number, number])
    api = api_client_for(administrator)
    first = api.get("/api/v1/jobs", {"limit": 2}).json()
    second = api.get("/api/v1/jobs", {"limit": 2, "cursor": first["next"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert second["next"] is None


def test_a_failed_job_is_tried_again_on_request(administrator, failed_job):
    api = api_client_for(administrator)
    response = api.post(f"/api/v1/jobs/{failed_job.pk}/retry")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert response.json()["max_attempts"] == 2
    assert DBTaskResult.objects.get(pk=failed_job.pk).run_after <= timezone.now()
    assert AuditEntry.objects.filter(object_type="tasks.job", object_id=str(failed_job.pk)).exists()
    run_until_empty()
    assert api.get(f"/api/v1/jobs/{failed_job.pk}").json()["attempts"] == 2


def test_only_a_failed_job_can_be_tried_again(administrator):
    job = enqueue(sample_tasks.add, args=[1, 1])
    api = api_client_for(administrator)
    assert api.post(f"/api/v1/jobs/{job.pk}/retry").status_code == 409
    unknown = "01900000-0000-7000-8000-000000000000"
    assert api.post(f"/api/v1/jobs/{unknown}/retry").status_code == 404
    assert api.get("/api/v1/jobs/not-a-uuid").status_code == 422


@pytest.mark.parametrize("role", ["sales", "service", "team-lead", "read-only"])
def test_other_roles_do_not_see_the_queue(role, failed_job):
    api = api_client_for(UserFactory(roles=[role]))
    assert api.get("/api/v1/jobs").status_code == 403
    assert api.get(f"/api/v1/jobs/{failed_job.pk}").status_code == 403
    assert api.post(f"/api/v1/jobs/{failed_job.pk}/retry").status_code == 403
    assert DBTaskResult.objects.get(pk=failed_job.pk).status == TaskResultStatus.FAILED


def test_the_jobs_page_shows_progress_errors_and_the_schedule(client, administrator, failed_job):
    running = enqueue(sample_tasks.counted, args=[8], name="Import of contacts.csv")
    report_progress(running.pk, done=3, total=8)
    client.force_login(administrator)
    page = client.get("/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Import of contacts.csv" in html
    assert '<progress max="8" value="3"' in html
    assert "the partner system answered 503" in html
    assert "audit.purge" in html  # the schedule
    assert f"/jobs/{failed_job.pk}/retry/" in html
    response = client.post(f"/jobs/{failed_job.pk}/retry/")
    assert response.status_code == 302
    assert DBTaskResult.objects.get(pk=failed_job.pk).status == TaskResultStatus.READY


def test_the_jobs_page_is_for_administrators(client, failed_job):
    client.force_login(UserFactory(roles=["sales"]))
    assert client.get("/jobs/").status_code == 403
    assert client.post(f"/jobs/{failed_job.pk}/retry/").status_code == 404
