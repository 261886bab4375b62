"""The warehouse export's fact_ticket: one row per ticket with its SLA
results, read back through DuckDB; an incremental export adds a changed
ticket again (the newer row replaces the older by its key)."""

import datetime

from django.utils import timezone

from kontor.service import services
from kontor.service.models import Ticket
from kontor.warehouse import query
from kontor.warehouse.export import export


def test_tickets_reach_the_warehouse_with_their_sla_results(user, contact, team, tmp_path):
    opened = services.ticket_create(
        actor=user, data={"subject": "Drucker", "contact_id": contact.pk, "team_id": team.pk}
    )
    late = services.ticket_create(actor=user, data={"subject": "Spät", "priority": "high"})
    past = timezone.now() - datetime.timedelta(hours=1)
    Ticket.objects.filter(pk=late.pk).update(first_response_due_at=past)
    services.ticket_add_message(actor=user, ticket=late, kind="note", body="intern")
    folder = tmp_path / "warehouse"

    export(folder)
    services.ticket_update(actor=user, ticket=Ticket.objects.get(pk=late.pk),
                           data={"status": "resolved"})  # fmt: skip
    export(folder)

    _columns, rows = query.run(
        folder,
        "SELECT number, status, team_id, contact_id, first_response_met, resolution_met, "
        "resolution_minutes FROM fact_ticket ORDER BY number",
    )
    assert rows[0][:5] == (opened.number, "new", str(team.pk), str(contact.pk), None)
    # Resolved after its first response was due, never answered: the resolution
    # has no target (no policy), so neither counts as met.
    assert rows[1][:2] == (late.number, "resolved") and rows[1][4] is None
    assert rows[1][6] is not None and len(rows) == 2
