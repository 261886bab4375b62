"""Demo service: office hours in Berlin, a standard and a key-account SLA
policy, the team's service address and a handful of tickets in every
state, so the queues show running, paused and stopped clocks."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from kontor.access.models import Role, Team
from kontor.service import addresses
from kontor.service import services as tickets
from kontor.service.models import Status
from kontor.sla import services as sla

SERVICE_ADDRESS = "support@kontor.example"
OFFICE_HOURS = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
STANDARD = {
    "low": {"first_response_minutes": 480, "resolution_minutes": 4800},
    "normal": {"first_response_minutes": 240, "resolution_minutes": 2400},
    "high": {"first_response_minutes": 60, "resolution_minutes": 960},
    "urgent": {"first_response_minutes": 30, "resolution_minutes": 240},
}
KEY_ACCOUNT = {
    priority: {key: minutes // 2 for key, minutes in targets.items()}
    for priority, targets in STANDARD.items()
}
TICKETS = [
    # subject, description, contact index, priority, status, assigned, note
    ("Drucker in der Backstube druckt nicht", "Seit heute früh kommt kein Etikett mehr "
     "aus dem Drucker an Linie 2.", 0, "high", Status.NEW, False, ""),
    ("Rechnung RE-2026-1158 doppelt erhalten", "Wir haben die Rechnung zweimal per Post "
     "bekommen – bitte eine stornieren.", 2, "normal", Status.OPEN, True,
     "Buchhaltung prüft, ob die Rechnung doppelt gebucht wurde."),
    ("Wartungstermin Ofen 3 verschieben", "Können wir den Termin auf nächste Woche legen?",
     3, "low", Status.PENDING, True, "Auf Rückmeldung des Kunden zum neuen Termin warten."),
    ("Zugang zum Kundenportal gesperrt", "Nach drei Fehlversuchen ist mein Zugang gesperrt.",
     5, "urgent", Status.RESOLVED, True, "Zugang entsperrt, Kunde informiert."),
]  # fmt: skip


def _setup_user() -> AbstractBaseUser:
    """The account that set up the service levels (an administrator)."""
    user, created = get_user_model().objects.get_or_create(
        username="setup", defaults={"first_name": "Einrichtung", "last_name": "Kontor"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.kontor_roles.add(Role.objects.get(slug="administrator"))
    return user


def load_service(*, team: list, contacts: list, demo_team: Team) -> dict[str, Any]:
    admin = _setup_user()
    agent = team[-1]
    calendar = sla.calendar_create(
        actor=admin,
        data={"name": "Bürozeiten Berlin", "time_zone": "Europe/Berlin", "country": "DE",
              "subdivision": "BE", "hours": OFFICE_HOURS,
              "closed_days": ["2026-12-24", "2026-12-31"]},
    )  # fmt: skip
    standard = sla.policy_create(
        actor=admin,
        data={"name": "Standard", "calendar_id": calendar.pk, "targets": STANDARD,
              "is_default": True, "warning_share": "0.8"},
    )  # fmt: skip
    sla.policy_create(
        actor=admin,
        data={"name": "Key Account", "calendar_id": calendar.pk, "targets": KEY_ACCOUNT,
              "organization_tag": "Key Account", "warning_share": "0.8"},
    )  # fmt: skip
    demo_team.lead = agent
    demo_team.save(update_fields=["lead"])
    addresses.address_create(
        actor=admin,
        data={"address": SERVICE_ADDRESS, "team_id": str(demo_team.pk),
              "sla_policy_id": str(standard.pk)},
    )  # fmt: skip
    for subject, description, index, priority, status, assigned, note in TICKETS:
        contact = contacts[index]
        data = {"subject": subject, "description": description, "contact_id": contact.pk,
                "team_id": demo_team.pk, "priority": priority, "channel": "email"}  # fmt: skip
        if assigned:
            data["assignee_id"] = agent.pk
        ticket = tickets.ticket_create(actor=agent, data=data)
        if note:
            tickets.ticket_add_message(actor=agent, ticket=ticket, kind="note", body=note)
        if status != Status.NEW:
            tickets.ticket_update(actor=agent, ticket=ticket, data={"status": status})
    return {"tickets": len(TICKETS), "service_address": SERVICE_ADDRESS}
