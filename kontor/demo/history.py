"""Demo contact history: calls, emails, meetings, notes and tasks (open,
overdue, done) for the demo customers, logged through the services."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from kontor.activities.services import activity_create, task_set_done
from kontor.contacts.models import Contact, Organization

# (contact's name or None for the organization, days from now, hour, kind, data)
# Negative days lie in the past. "who" picks the demo colleague who logs it.
HISTORY: list[tuple[str, float, int, str, dict[str, Any]]] = [
    ("Anna Schulze", -40, 10, "meeting", {"subject": "Vor-Ort-Termin Filiale Mitte",
        "body": "Backstraße besichtigt. Ofen Nr. 2 fällt häufig aus; Wartungsvertrag gewünscht.",
        "location": "Bäckerei Schulze, Filiale Mitte", "duration_hours": 1.5}),
    ("Anna Schulze", -21, 9, "email", {"subject": "Angebot Wartungsvertrag Öfen",
        "direction": "outbound", "body": "Guten Tag Frau Schulze,\nanbei unser Angebot …",
        "to": ["anna.schulze@baeckerei-schulze.de"], "from": "mia@kontor-demo.de"}),
    ("Anna Schulze", -14, 11, "call", {"direction": "inbound", "outcome": "answered",
        "duration_seconds": 540, "body": "Fragen zur Laufzeit; 24 Monate passen."}),
    ("Anna Schulze", -2, 15, "note", {"body": "Frau Schulze entscheidet bis Monatsende. "
        "@jonas bitte Servicetermine für Januar freihalten."}),
    ("Anna Schulze", 2, 10, "task", {"subject": "Angebot nachfassen"}),
    ("Anna Schulze", 9, 14, "meeting", {"subject": "Vertragsunterzeichnung",
        "location": "Bäckerei Schulze, Zentrale", "duration_hours": 1}),
    ("Anna Schulze", -30, 9, "task", {"subject": "Ersatzteilliste schicken", "done": True}),
    ("Jürgen Müller", -60, 14, "meeting", {"subject": "Jahresgespräch 2025",
        "body": "Volumen +12 %. Wünscht Rahmenvertrag mit Staffelpreisen.",
        "location": "Stuttgart, Werk 2", "duration_hours": 2}),
    ("Jürgen Müller", -5, 8, "call", {"direction": "outbound", "outcome": "voicemail",
        "duration_seconds": 35, "body": "Auf die Mailbox gesprochen, Rückruf erbeten."}),
    ("Jürgen Müller", -4, 16, "call", {"direction": "inbound", "outcome": "answered",
        "duration_seconds": 1260, "body": "Rahmenvertrag: Entwurf geht an die Rechtsabteilung."}),
    ("Jürgen Müller", -3, 12, "task", {"subject": "Rahmenvertrag juristisch prüfen lassen"}),
    ("Jürgen Müller", 16, 10, "meeting", {"subject": "Jahresgespräch 2026",
        "location": "Stuttgart, Werk 2", "duration_hours": 2, "colleagues": True}),
    ("Sabine Koch", -12, 10, "email", {"subject": "Reklamation Lieferung 4711",
        "direction": "inbound",
        "body": "Zwei Paletten beschädigt angekommen, Fotos anbei.",
        "from": "s.koch@mueller-maschinenbau.de", "to": ["service@kontor-demo.de"]}),
    ("Sabine Koch", -11, 9, "call", {"direction": "outbound", "outcome": "answered",
        "duration_seconds": 420, "body": "Ersatzlieferung zugesagt, Gutschrift folgt."}),
    ("Sabine Koch", -1, 11, "task", {"subject": "Gutschrift 4711 auslösen", "who": 1}),
    ("Mehmet Yılmaz", -7, 13, "call", {"direction": "inbound", "outcome": "missed"}),
    ("Lena Hoffmann", -9, 10, "email", {"subject": "Anfrage Lagerlogistik", "direction": "inbound",
        "body": "Wir suchen eine Lösung für drei Standorte …",
        "from": "lena.hoffmann@nordlicht-logistik.de", "to": ["vertrieb@kontor-demo.de"]}),
    ("Lena Hoffmann", -8, 14, "call", {"direction": "outbound", "outcome": "answered",
        "duration_seconds": 840, "body": "Bedarf aufgenommen: 3 Lager, 40 Nutzer, Start Q2."}),
    ("Lena Hoffmann", 0, 17, "task", {"subject": "Demo für Nordlicht vorbereiten"}),
    ("Lena Hoffmann", 3, 10, "meeting", {"subject": "Produktdemo (online)",
        "location": "Videokonferenz", "duration_hours": 1, "colleagues": True}),
    ("Tobias Wagner", -6, 11, "call", {"direction": "outbound", "outcome": "busy"}),
    ("Claudia Weber", -20, 9, "call", {"direction": "inbound", "outcome": "answered",
        "duration_seconds": 300, "body": "Praxis fragt nach Terminbuchung online."}),
    ("Claudia Weber", -18, 9, "task", {"subject": "Infomaterial an Praxis Dr. Weber senden"}),
    ("Henrik Hansen", -33, 10, "note", {"body": "Erweiterung um Speicherlösungen geplant; "
        "Budget steht im Herbst fest."}),
    ("Henrik Hansen", -2, 10, "call", {"direction": "outbound", "outcome": "answered",
        "duration_seconds": 610}),
    ("Maria Kranz", -200, 10, "note", {"body": "Café geschlossen, Vertrag zum 31.12. gekündigt."}),
    ("Sophie de Vries", -15, 15, "email", {"subject": "Introduction Kontor Benelux",
        "direction": "outbound", "body": "Dear Sophie,\nfollowing our call …",
        "to": ["sophie.devries@acme-europe.nl"], "from": "mia@kontor-demo.de"}),
    ("Sophie de Vries", 1, 11, "task", {"subject": "Follow up with Acme Europe"}),
    ("Lukas Gruber", -25, 10, "call", {"direction": "inbound", "outcome": "answered",
        "duration_seconds": 180, "body": "Interesse, meldet sich nach der Budgetrunde."}),
    ("Fatma Demir", -3, 18, "call", {"direction": "inbound", "outcome": "answered",
        "duration_seconds": 240, "body": "Privatkundin, Rückfrage zur Rechnung."}),
    (None, -45, 11, "note", {"organization": "Müller & Söhne Maschinenbau KG",
        "body": "Messekontakt Hannover: Interesse an Predictive Maintenance."}),
]  # fmt: skip


def _moment(days: float, hour: int) -> datetime.datetime:
    day = timezone.localtime() + datetime.timedelta(days=days)
    return day.replace(hour=hour, minute=0 if days % 1 == 0 else 30, second=0, microsecond=0)


def load_history(
    *,
    team: Sequence[AbstractBaseUser],
    contacts: Sequence[Contact],
    organizations: Sequence[Organization],
) -> int:
    """Log the demo history; returns the number of activities."""
    by_name = {c.display_name: c for c in contacts}
    organizations_by_name = {o.name: o for o in organizations}
    count = 0
    for name, days, hour, kind, spec in HISTORY:
        spec = dict(spec)
        author = team[spec.pop("who", 0)]
        when = _moment(days, hour)
        data: dict[str, Any] = {"kind": kind, **spec}
        if name:
            data["contact_id"] = by_name[name].pk
        else:
            data["organization_id"] = organizations_by_name[data.pop("organization")].pk
        done = data.pop("done", False)
        if kind == "meeting":
            hours = data.pop("duration_hours")
            data["starts_at"] = when
            data["ends_at"] = when + datetime.timedelta(hours=hours)
            participants = [{"contact_id": data["contact_id"]}] if name else []
            if data.pop("colleagues", False):
                participants += [{"user_id": user.pk} for user in team]
            data["participants"] = participants
        elif kind == "task":
            data["due_at"] = when
            data["occurred_at"] = min(when, timezone.now()) - datetime.timedelta(days=3)
        else:
            data["occurred_at"] = when
        activity = activity_create(actor=author, data=data)
        if done:
            task_set_done(actor=author, task=activity)
        count += 1
    return count
