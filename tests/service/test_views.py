"""The ticket pages: the queues with their tabs and bulk actions, a ticket's
page with its conversation and forms, the new ticket form, and what a
restricted user sees."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kontor.service import services
from kontor.service.models import Ticket
from kontor.sla import services as sla_services
from tests.factories import UserFactory

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def _late(user, **data):
    past = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    return services.ticket_create(actor=user, data={"resolution_due_at": past, **data})


def _soon(user, **data):
    soon = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    return services.ticket_create(actor=user, data={"resolution_due_at": soon, **data})


def test_the_queue_tabs_show_their_tickets(logged_in, user, team):
    mine = services.ticket_create(
        actor=user, data={"subject": "Meins", "assignee_id": user.pk, "team_id": team.pk}
    )
    nobodys = services.ticket_create(actor=user, data={"subject": "Frei", "team_id": team.pk})
    late = _late(user, subject="Zu spät", team_id=team.pk, assignee_id=user.pk)
    soon = _soon(user, subject="Bald", team_id=team.pk, assignee_id=user.pk)
    elsewhere = services.ticket_create(actor=user, data={"subject": "Anderswo"})

    def numbers(**query) -> set[str]:
        response = logged_in.get(reverse("ticket-queue"), query)
        assert response.status_code == 200
        return {t.number for t in response.context["page"].items}

    assert numbers(team=team.pk) == {t.number for t in (mine, nobodys, late, soon)}
    assert elsewhere.number in numbers()
    assert numbers(team=team.pk, tab="mine") == {mine.number, late.number, soon.number}
    assert numbers(team=team.pk, tab="unassigned") == {nobodys.number}
    assert numbers(team=team.pk, tab="breached") == {late.number}
    assert numbers(team=team.pk, tab="due_soon") == {soon.number}
    assert numbers(team=team.pk, tab="nonsense") == numbers(team=team.pk)

    page = logged_in.get(reverse("ticket-queue"), {"team": team.pk, "tab": "mine"})
    assert b'class="due due--breached"' in page.content
    assert b'class="due due--soon"' in page.content
    assert b'aria-current="page" data-testid="tab-mine"' in page.content


def test_the_queue_reads_a_fixed_number_of_queries(logged_in, user, team, contact,
                                                   django_assert_max_num_queries):  # fmt: skip
    for index in range(15):
        services.ticket_create(
            actor=user,
            data={"subject": f"T{index}", "team_id": team.pk, "contact_id": contact.pk,
                  "assignee_id": user.pk},
        )  # fmt: skip
    logged_in.get(reverse("ticket-queue"))
    with django_assert_max_num_queries(20):
        response = logged_in.get(reverse("ticket-queue"))
    assert len(response.context["page"].items) == 15


def test_bulk_assign_and_close_from_the_queue(logged_in, user, team):
    agent = UserFactory(username="agent", roles=["service"])
    tickets = [services.ticket_create(actor=user, data={"subject": f"T{i}"}) for i in range(3)]
    back = f"{reverse('ticket-queue')}?tab=unassigned"

    response = logged_in.post(
        reverse("ticket-bulk"),
        {"ids": [str(t.pk) for t in tickets], "action": "assign", "assignee": agent.pk,
         "next": back},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == back
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {agent.pk}

    logged_in.post(reverse("ticket-bulk"), {"ids": [str(tickets[0].pk)], "action": "close"})
    assert Ticket.objects.get(pk=tickets[0].pk).status == "closed"
    assert Ticket.objects.filter(status="closed").count() == 1

    nothing = logged_in.post(reverse("ticket-bulk"), {"action": "close"}, follow=True)
    assert "Check at least one ticket" in nothing.content.decode()


def test_a_new_ticket_from_the_form(logged_in, user, contact, team):
    page = logged_in.get(reverse("ticket-create"), {"contact": contact.pk, "team": team.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["contact"] == "Sabine Koch"

    response = logged_in.post(
        reverse("ticket-create"),
        {"subject": "Kein Login", "contact": "Sabine Koch", "contact_id": contact.pk,
         "team": team.pk, "priority": "high", "channel": "phone",
         "resolution_due_at": "2030-01-02T10:00"},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.contact == contact and ticket.organization_id == contact.organization_id
    assert ticket.channel == "phone" and ticket.resolution_due_at.year == 2030

    invalid = logged_in.post(reverse("ticket-create"), {"subject": "", "priority": "normal",
                                                        "channel": "web"})  # fmt: skip
    assert invalid.status_code == 422
    assert "subject" in invalid.context["form"].errors


def test_answering_from_the_ticket_page_stops_the_first_response_clock(logged_in, ticket):
    page = logged_in.get(ticket.get_absolute_url())
    assert page.status_code == 200
    assert b"Drucker druckt nicht" in page.content

    response = logged_in.post(
        reverse("ticket-message", args=[ticket.pk]), {"kind": "reply", "body": "Erledigt?"}
    )
    assert response.status_code == 302
    logged_in.post(reverse("ticket-message", args=[ticket.pk]), {"kind": "note", "body": "Hm"})

    page = logged_in.get(ticket.get_absolute_url())
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.status == "open"
    assert [m.kind for m in page.context["conversation"]] == ["reply", "note"]
    assert "answered" in page.content.decode()

    empty = logged_in.post(reverse("ticket-message", args=[ticket.pk]), {"kind": "note"})
    assert empty.status_code == 422


def test_status_priority_and_assignee_change_on_the_ticket_page(logged_in, user, ticket):
    response = logged_in.post(
        reverse("ticket-quick-edit", args=[ticket.pk]),
        {"status": "pending", "priority": "urgent", "assignee": user.pk,
         "version": ticket.version},
    )  # fmt: skip
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("pending", "urgent", user)
    assert ticket.paused_since is not None

    stale = logged_in.post(
        reverse("ticket-quick-edit", args=[ticket.pk]),
        {"status": "open", "priority": "low", "version": 1},
    )
    assert stale.status_code == 422
    assert "changed this ticket meanwhile" in stale.content.decode()


def test_the_edit_form_keeps_what_it_does_not_change(logged_in, ticket, contact):
    page = logged_in.get(reverse("ticket-edit", args=[ticket.pk]))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(subject="Drucker geht wieder nicht", contact="Sabine Koch")
    response = logged_in.post(reverse("ticket-edit", args=[ticket.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    ticket.refresh_from_db()
    assert ticket.subject == "Drucker geht wieder nicht" and ticket.contact == contact


def test_a_restricted_user_gets_404_for_tickets_they_may_not_see(client, user, team):
    services.ticket_create(actor=user, data={"subject": "Queue", "team_id": team.pk})
    hidden = services.ticket_create(actor=user, data={"subject": "Geheim"})
    seller = UserFactory(username="seller", roles=["sales"], teams=["Support"])
    client.force_login(seller)

    listed = client.get(reverse("ticket-queue")).context["page"].items
    assert [t.subject for t in listed] == ["Queue"]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    response = client.post(reverse("ticket-message", args=[hidden.pk]),
                           {"kind": "note", "body": "x"})  # fmt: skip
    assert response.status_code == 404
    client.post(reverse("ticket-bulk"), {"ids": [str(hidden.pk)], "action": "close"})
    assert Ticket.objects.get(pk=hidden.pk).status == "new"


def test_the_nav_links_to_the_tickets(logged_in):
    page = logged_in.get(reverse("ticket-queue"))
    assert f'href="{reverse("ticket-queue")}" aria-current="page"'.encode() in page.content


def _always_open_policy(user, name: str, minutes: int):
    calendar = sla_services.calendar_create(
        actor=user,
        data={"name": f"{name} hours", "time_zone": "Europe/Berlin",
              "hours": {day: [["00:00", "24:00"]] for day in WEEKDAYS}},
    )  # fmt: skip
    targets = {
        priority: {"first_response_minutes": minutes, "resolution_minutes": minutes * 4}
        for priority in ("low", "normal", "high", "urgent")
    }
    return sla_services.policy_create(
        actor=user, data={"name": name, "calendar_id": calendar.pk, "targets": targets}
    )


def test_a_ticket_from_the_form_gets_its_due_times_from_the_chosen_policy(logged_in, user):
    user.is_superuser = True
    user.save()
    policy = _always_open_policy(user, "Premium", 30)

    logged_in.post(
        reverse("ticket-create"),
        {"subject": "Kein Login", "priority": "high", "channel": "phone",
         "sla_policy": policy.pk, "first_response_due_at": "", "resolution_due_at": ""},
    )  # fmt: skip

    ticket = Ticket.objects.get()
    assert ticket.sla_policy == policy
    assert ticket.first_response_due_at == ticket.created_at + datetime.timedelta(minutes=30)
    assert ticket.resolution_due_at == ticket.created_at + datetime.timedelta(minutes=120)


def test_the_edit_form_lets_a_new_policy_give_new_due_times(logged_in, user, ticket):
    user.is_superuser = True
    user.save()
    fast = _always_open_policy(user, "Fast", 10)
    page = logged_in.get(reverse("ticket-edit", args=[ticket.pk]))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    for field in ("first_response_due_at", "resolution_due_at"):
        if field in data:
            data[field] = timezone.localtime(data[field]).strftime("%Y-%m-%dT%H:%M")

    response = logged_in.post(
        reverse("ticket-edit", args=[ticket.pk]), {**data, "sla_policy": fast.pk}
    )

    assert response.status_code == 302, response.context["form"].errors
    ticket.refresh_from_db()
    assert ticket.sla_policy == fast
    assert ticket.first_response_due_at == ticket.created_at + datetime.timedelta(minutes=10)
