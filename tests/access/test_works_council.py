"""Works-council mode: no figures of single employees, aggregates only for
groups large enough, and a settings page that says so in plain words."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from kontor.access import works_council
from kontor.core.exceptions import PermissionDenied
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_mode_is_on_by_default_in_germany(settings):
    assert settings.KONTOR_DEFAULT_REGION == "DE"
    assert settings.KONTOR_WORKS_COUNCIL_MODE is True


def test_aggregates_over_employees_need_a_group_of_the_minimum_size(settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 5

    assert works_council.group_aggregate({1: 3, 2: 4, 3: 1, 4: 0}) is None
    assert works_council.group_aggregate({1: 3, 2: 4, 3: 1, 4: 0, 5: 2}) == 10
    assert not works_council.may_show_per_employee()

    settings.KONTOR_WORKS_COUNCIL_MODE = False
    assert works_council.group_aggregate({1: 3}) == 3
    assert works_council.may_show_per_employee()


def test_the_settings_page_says_what_the_mode_does(client, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 7
    settings.KONTOR_AUDIT_RETENTION_DAYS = 60
    client.force_login(UserFactory(roles=["sales"], teams=["Nord"]))

    page = client.get(reverse("data-protection-settings")).content.decode()

    assert "Works-council mode: <strong>on</strong>" in page
    assert "never rank employees" in page
    assert "groups of at least 7 people" in page
    assert "Only the data protection officer can view it by employee" in page
    assert "deleted after 60 days" in page
    assert "Nord" in page
    assert "Field categories" not in page  # administrators only


def test_the_settings_page_in_german(client, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    client.force_login(UserFactory(roles=["administrator"]))
    page = client.get(reverse("data-protection-settings"), headers={"Accept-Language": "de"})

    assert "Betriebsrat" in page.content.decode()
    assert "Feldkategorien" in page.content.decode()


def test_the_settings_page_when_the_mode_is_off(client, settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    client.force_login(UserFactory(roles=["administrator"]))
    page = client.get(reverse("data-protection-settings")).content.decode()

    assert "Works-council mode: <strong>off</strong>" in page
    assert "Field categories" in page


@pytest.mark.parametrize(("setting", "size"), [(5, 5), ("3", 3), (1, 1), (0, 1), (-2, 1)])
def test_the_minimum_group_is_at_least_one(settings, setting, size):
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = setting

    assert works_council.min_group() == size


def test_a_group_of_exactly_the_minimum_size_is_shown(settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 3

    assert works_council.group_aggregate({1: 5, 2: 1, 3: 7}, max) == 7
    assert works_council.group_aggregate({1: 5, 2: 1}, max) is None
    assert works_council.group_aggregate({}, max) is None
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    assert works_council.group_aggregate({1: 5, 2: 1}, max) == 5
    assert works_council.group_aggregate({}) == 0


def test_a_list_of_one_employees_work_is_theirs_and_the_officers(settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    rep = UserFactory(roles=["sales"])
    colleague = UserFactory(roles=["sales"])
    officer = UserFactory(roles=["data-protection-officer"])

    assert works_council.may_view_employee(rep, rep.pk)
    assert works_council.may_view_employee(rep, str(rep.pk))
    assert works_council.may_view_employee(rep, None)
    assert not works_council.may_view_employee(rep, colleague.pk)
    assert works_council.may_view_employee(officer, colleague.pk)
    assert not works_council.may_view_employee(AnonymousUser(), colleague.pk)
    with pytest.raises(PermissionDenied) as refused:
        works_council.require_employee_view(rep, colleague.pk)
    assert str(refused.value) == (
        "In works-council mode only the employee themselves sees a list of their work."
    )
    works_council.require_employee_view(rep, rep.pk)
    works_council.require_employee_view(officer, rep.pk)

    settings.KONTOR_WORKS_COUNCIL_MODE = False
    assert works_council.may_view_employee(rep, colleague.pk)
    works_council.require_employee_view(AnonymousUser(), colleague.pk)


def test_a_list_of_a_groups_work_needs_the_minimum_size(settings):
    settings.KONTOR_WORKS_COUNCIL_MODE = True
    settings.KONTOR_WORKS_COUNCIL_MIN_GROUP = 3
    rep = UserFactory(roles=["sales"])
    officer = UserFactory(roles=["data-protection-officer"])

    works_council.require_group_view(rep, [1, 2, 3])
    works_council.require_group_view(officer, [1])
    with pytest.raises(PermissionDenied) as refused:
        works_council.require_group_view(rep, [1, 2, 2, 1])  # two people, named twice
    assert str(refused.value) == (
        "In works-council mode figures are shown for groups of at least 3 people."
    )
    settings.KONTOR_WORKS_COUNCIL_MODE = False
    works_council.require_group_view(rep, [1])
