"""A ticket's service level: its policy (given, by customer tier, default),
its due times in business hours, moved by priority changes and pauses, and
the worker's escalation at the warning and breach moments, run on the real
worker with a controlled clock."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kontor.access.models import Team
from kontor.events.models import OutboxEvent
from kontor.notifications.models import Notification
from kontor.service import services
from kontor.service.models import Ticket
from kontor.sla import services as sla_services
from kontor.sla.calendars import calendar_spec
from kontor.sla.clock import due_at
from kontor.tasks.worker import run_until_empty
from tests.factories import OrganizationFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


class Clock:
    """timezone.now() as the test sets it: the services, the audit, the
    queue (which jobs are ready) and the worker's jobs all read it."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now.astimezone(datetime.UTC)

    def move_to(self, moment: datetime.datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(berlin(2026, 3, 27, 16, 0))  # a Friday, before the clocks change
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def calendar(user):
    return sla_services.calendar_create(
        actor=user,
        data={"name": "Berlin", "time_zone": "Europe/Berlin", "country": "DE",
              "subdivision": "BE", "hours": WEEK},
    )  # fmt: skip


@pytest.fixture
def policy(user, calendar):
    return sla_services.policy_create(
        actor=user,
        data={
            "name": "Standard",
            "calendar_id": calendar.pk,
            "is_default": True,
            "warning_share": "0.5",
            "reassign_on_breach": True,
            "targets": {
                "normal": {"first_response_minutes": 120, "resolution_minutes": 600},
                "urgent": {"first_response_minutes": 30, "resolution_minutes": 60},
            },
        },
    )


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", roles=["service"])


@pytest.fixture
def agent(db):
    return UserFactory(username="agent", roles=["service"])


@pytest.fixture
def team(db, lead, agent):
    team = Team.objects.create(name="Support", lead=lead)
    team.members.add(lead, agent)
    return team


def test_a_ticket_gets_the_default_policy_and_due_times_in_business_hours(
    clock, user, policy, team
):
    ticket = services.ticket_create(actor=user, data={"subject": "Printer", "team_id": team.pk})
    assert ticket.sla_policy == policy
    # Friday 16:00 + 2 business hours: Monday 09:00 (summer time by then).
    assert ticket.first_response_due_at == berlin(2026, 3, 30, 9, 0)
    # 600 minutes: Friday 16-17 and Monday 08-17.
    assert ticket.resolution_due_at == berlin(2026, 3, 30, 17, 0)


def test_a_customer_tier_and_an_explicit_choice_come_before_the_default(
    clock, user, calendar, policy, api
):
    premium = sla_services.policy_create(
        actor=user,
        data={"name": "Premium", "calendar_id": calendar.pk, "organization_tag": "premium",
              "targets": {"normal": {"first_response_minutes": 15, "resolution_minutes": 60}}},
    )  # fmt: skip
    vip = OrganizationFactory(name="VIP AG", owner=user, tags=["premium", "berlin"])
    ticket = services.ticket_create(actor=user, data={"subject": "Down", "organization_id": vip.pk})
    assert ticket.sla_policy == premium
    assert ticket.first_response_due_at == berlin(2026, 3, 27, 16, 15)
    answer = api.post(
        "/api/v1/tickets",
        {"subject": "Question", "organization_id": str(vip.pk), "sla_policy_id": str(policy.pk)},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["sla_policy_id"] == str(policy.pk)
    assert answer.json()["first_response_due_at"] == "2026-03-30T07:00:00Z"
    bad = api.post("/api/v1/tickets", {"subject": "X", "sla_policy_id": str(vip.pk)})
    assert bad.status_code == 422


def test_a_ticket_without_any_policy_keeps_due_times_given_by_hand(clock, user):
    due = berlin(2026, 4, 1, 12, 0)
    ticket = services.ticket_create(
        actor=user, data={"subject": "By hand", "resolution_due_at": due.isoformat()}
    )
    assert ticket.sla_policy is None
    assert ticket.resolution_due_at == due


def test_a_new_priority_gives_new_due_times(clock, user, policy, api):
    ticket = services.ticket_create(actor=user, data={"subject": "Printer"})
    clock.move_to(berlin(2026, 3, 27, 16, 10))
    answer = api.patch(f"/api/v1/tickets/{ticket.pk}", {"priority": "urgent"})
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == berlin(2026, 3, 27, 16, 30)
    assert ticket.resolution_due_at == berlin(2026, 3, 27, 17, 0)


def test_a_pending_ticket_stops_the_clock_and_its_due_times_move_on(clock, user, policy):
    ticket = services.ticket_create(actor=user, data={"subject": "Printer"})
    created = ticket.created_at
    clock.move_to(berlin(2026, 3, 27, 16, 30))
    services.ticket_update(actor=user, ticket=ticket, data={"status": "pending"})
    clock.move_to(berlin(2026, 3, 30, 10, 0))  # Monday: 30 + 120 business minutes paused
    services.ticket_update(actor=user, ticket=ticket, data={"status": "open"})
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == berlin(2026, 3, 30, 11, 30)
    spec = calendar_spec(policy.calendar)
    pause = [(berlin(2026, 3, 27, 16, 30), berlin(2026, 3, 30, 10, 0))]
    assert ticket.first_response_due_at == due_at(spec, created, 120, pause)
    assert ticket.resolution_due_at == due_at(spec, created, 600, pause)
    assert len(ticket.sla_pauses) == 1


def _events(name: str) -> int:
    return OutboxEvent.objects.filter(name=name).count()


def test_the_worker_warns_the_assignee_then_marks_the_breach_and_tells_the_lead(
    clock, user, policy, team, lead, agent
):
    ticket = services.ticket_create(
        actor=user, data={"subject": "Printer", "team_id": team.pk, "assignee_id": agent.pk}
    )
    run_until_empty()
    assert not Notification.objects.exists()  # nothing is due yet

    # Half of the first-response target (60 of 120 minutes): Monday 08:00.
    clock.move_to(berlin(2026, 3, 30, 8, 0))
    run_until_empty()
    warning = Notification.objects.get()
    assert warning.recipient == agent
    assert ticket.number in warning.message
    assert _events("ticket.sla_warning") == 1
    run_until_empty()
    assert Notification.objects.count() == 1

    clock.move_to(berlin(2026, 3, 30, 9, 0))
    run_until_empty()
    ticket.refresh_from_db()
    assert ticket.breached
    assert ticket.assignee == lead  # the policy reassigns on breach
    assert Notification.objects.filter(recipient=lead).count() == 1
    assert _events("ticket.sla_breach") == 1
    assert ticket.sla_escalations == [
        "first_response_due_at:warning:2026-03-30T07:00:00+00:00",
        "first_response_due_at:breach:2026-03-30T07:00:00+00:00",
    ]


def test_an_answered_or_resolved_ticket_is_not_escalated(clock, user, policy, team, agent):
    ticket = services.ticket_create(
        actor=user, data={"subject": "Printer", "team_id": team.pk, "assignee_id": agent.pk}
    )
    services.ticket_update(actor=user, ticket=ticket, data={"status": "resolved"})
    clock.move_to(berlin(2026, 4, 10, 12, 0))  # long past every due time
    run_until_empty()
    ticket.refresh_from_db()
    assert not ticket.breached
    assert not Notification.objects.exists()
    assert _events("ticket.sla_breach") == 0


def test_jobs_of_old_due_times_do_nothing(clock, user, policy, team, agent):
    ticket = services.ticket_create(
        actor=user, data={"subject": "Printer", "team_id": team.pk, "assignee_id": agent.pk}
    )
    services.ticket_update(actor=user, ticket=ticket, data={"priority": "low"})  # no targets
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None
    clock.move_to(berlin(2026, 4, 10, 12, 0))
    run_until_empty()
    ticket.refresh_from_db()
    assert not ticket.breached
    assert not Notification.objects.exists()


def test_a_pause_holds_the_escalation_until_the_clock_runs_again(
    clock, user, policy, team, agent, lead
):
    ticket = services.ticket_create(
        actor=user, data={"subject": "Printer", "team_id": team.pk, "assignee_id": agent.pk}
    )
    services.ticket_update(actor=user, ticket=ticket, data={"status": "pending"})
    clock.move_to(berlin(2026, 3, 31, 12, 0))
    run_until_empty()
    assert not Notification.objects.exists()
    services.ticket_update(actor=user, ticket=ticket, data={"status": "open"})
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == berlin(2026, 3, 31, 14, 0)
    clock.move_to(berlin(2026, 3, 31, 14, 0))
    run_until_empty()
    ticket.refresh_from_db()
    assert ticket.breached
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "agent",
        "lead",
    }


def test_a_policy_in_use_cannot_be_deleted(clock, user, policy, api):
    services.ticket_create(actor=user, data={"subject": "Printer"})
    refused = api.delete(f"/api/v1/sla-policies/{policy.pk}")
    assert refused.status_code == 422
    assert Ticket.objects.get().sla_policy == policy


def test_an_administrator_names_the_lead_of_a_team_in_the_admin(client, admin_user, team, agent):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/admin/access/team/{team.pk}/change/")
    assert 'name="lead"' in page.content.decode()
    changed = client.post(
        f"/admin/access/team/{team.pk}/change/",
        {"name": "Support", "members": [agent.pk], "lead": agent.pk},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    team.refresh_from_db()
    assert team.lead == agent
