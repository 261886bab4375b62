"""The demo data gives a newcomer a service desk to look at: office hours,
two SLA policies, the team's service address and tickets in every state
with their clocks."""

from django.core.management import call_command

from kontor.service.models import ServiceAddress, Status, Ticket
from kontor.service.selectors import visible_tickets


def test_the_demo_has_a_service_desk_with_running_clocks(db):
    call_command("demo", verbosity=0)

    address = ServiceAddress.objects.get()
    assert address.sla_policy.name == "Standard" and address.team.lead.username == "jonas"
    tickets = Ticket.objects.order_by("number")
    assert {t.status for t in tickets} == {
        Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED
    }  # fmt: skip
    assert all(t.sla_policy and t.first_response_due_at and t.resolution_due_at for t in tickets)
    # The key account's tickets run on its own, shorter targets.
    assert {t.sla_policy.name for t in tickets} == {"Standard", "Key Account"}
    assert tickets.get(status=Status.PENDING).paused_since is not None
    assert tickets.get(status=Status.RESOLVED).resolved_at is not None
    jonas = address.team.lead
    assert visible_tickets(jonas).count() == tickets.count()
