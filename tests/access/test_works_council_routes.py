"""Works-council mode enforced, not only offered: every API route whose query
parameters name an employee or a team is walked (from the live OpenAPI
document, so a new one must be classified here), and lists of one
employee's work reach only that employee and the data protection officer,
lists of a team's work only teams of the minimum size. With the mode off,
colleagues may look (as far as their roles allow)."""

import pytest
from django.test import Client

from kontor.access.models import Team
from tests.conftest import api_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
# Query parameters that name an employee, by route: a list of one person's work.
PER_EMPLOYEE = {
    ("/activities", "assignee_id"),
    ("/tasks", "assignee"),
    ("/deals", "owner_id"),
    ("/deals/export", "owner_id"),
    ("/audit", "actor_id"),
    ("/tickets", "assignee_id"),
}
# Query parameters that name a group of employees.
PER_GROUP = {
    ("/deals", "team_id"),
    ("/deals/export", "team_id"),
    # Every dashboard: the figures of a team (the activities dashboard's, of its work).
    ("/analytics/{dashboard_key}", "team_id"),
}
# Parameters that name a user without showing anyone's work, and why.
NOT_ABOUT_WORK = {
    ("/contacts", "owner_id"): "who looks after a customer, no figure of their work",
    ("/organizations", "owner_id"): "who looks after a customer, no figure of their work",
    ("/contacts/export", "owner_id"): "the contact list's filter, as a file",
    ("/organizations/export", "owner_id"): "the organization list's filter, as a file",
    ("/tickets", "team_id"): "a team's queue: the tickets waiting for it, not its members' work",
}
PERSON_WORDS = ("owner", "assignee", "author", "agent", "actor", "user", "team", "employee")


def _routes() -> set[tuple[str, str]]:
    document = Client().get(f"{PREFIX}/openapi.json").json()
    return {
        (path.removeprefix(PREFIX), parameter["name"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and any(w in parameter["name"] for w in PERSON_WORDS)
    }


def test_every_route_that_names_an_employee_is_classified():
    unclassified = _routes() - PER_EMPLOYEE - PER_GROUP - set(NOT_ABOUT_WORK)
    assert not unclassified, f"classify these for works-council mode: {sorted(unclassified)}"


@pytest.fixture
def people(db):
    rep = UserFactory(username="wc-rep", roles=["sales"], teams=["Small team"])
    colleague = UserFactory(username="wc-colleague", roles=["sales"], teams=["Small team"])
    for number in range(5):
        UserFactory(username=f"wc-big-{number}", roles=["sales"], teams=["Big team"])
    officer = UserFactory(username="wc-dpo", roles=["data-protection-officer"])
    return {
        "rep": rep,
        "colleague": colleague,
        "officer": officer,
        "small": Team.objects.get(name="Small team"),
        "big": Team.objects.get(name="Big team"),
    }


def _status(user, path: str, parameter: str, value) -> int:
    query = {parameter: str(value)}
    if path == "/audit":  # the trail of one record: a filter the roles allow
        query.update(object_type="contact", object_id="01900000-0000-7000-8000-000000000000")
    path = path.replace("{dashboard_key}", "pipeline")  # every one: below
    return api_client_for(user).get(PREFIX + path, query).status_code


@pytest.mark.parametrize(("path", "parameter"), sorted(PER_EMPLOYEE))
def test_a_list_of_one_employees_work_is_theirs_and_the_officers(settings, people, path, parameter):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    rep, colleague, officer = people["rep"], people["colleague"], people["officer"]
    assert _status(rep, path, parameter, colleague.pk) == 403
    if path != "/audit":  # the trail is never filtered by actor but by the officer
        assert _status(rep, path, parameter, rep.pk) == 200
    assert _status(officer, path, parameter, colleague.pk) in {200, 404}


@pytest.mark.parametrize(("path", "parameter"), sorted(PER_EMPLOYEE - {("/audit", "actor_id")}))
def test_without_the_mode_colleagues_may_look(settings, people, path, parameter):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    assert _status(people["rep"], path, parameter, people["colleague"].pk) == 200


@pytest.mark.parametrize(("path", "parameter"), sorted(PER_GROUP))
def test_a_teams_work_is_shown_for_teams_of_the_minimum_size(settings, people, path, parameter):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 5
    assert _status(people["rep"], path, parameter, people["small"].pk) == 403
    assert _status(people["rep"], path, parameter, people["big"].pk) == 200
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    assert _status(people["rep"], path, parameter, people["small"].pk) == 200


def test_every_dashboard_shows_a_teams_figures_for_teams_of_the_minimum_size(settings, people):
    from kontor.analytics.dashboards import DASHBOARDS

    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 5
    client = api_client_for(people["rep"])
    for key in DASHBOARDS:
        small = client.get(f"{PREFIX}/analytics/{key}", {"team_id": str(people["small"].pk)})
        big = client.get(f"{PREFIX}/analytics/{key}", {"team_id": str(people["big"].pk)})
        assert (key, small.status_code, big.status_code) == (key, 403, 200)


def test_the_sales_board_of_one_colleague_is_refused_in_the_mode(settings, people, client):
    from kontor.sales.models import Pipeline

    settings.KONTOR_WORKS_COUNCIL_MODE = True
    pipeline = Pipeline.objects.first()
    client.force_login(people["rep"])
    url = f"/sales/board/{pipeline.pk}/"
    assert client.get(url, {"owner": people["colleague"].pk}).status_code == 403
    assert client.get(url, {"owner": people["rep"].pk}).status_code == 200
    assert client.get(url, {"team": people["small"].pk}).status_code == 403
    assert client.get(url, {"team": people["big"].pk}).status_code == 200
