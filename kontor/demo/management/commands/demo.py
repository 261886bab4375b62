"""``kontor demo``: load the demo customer base (through the services, like
every other write)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from kontor.access.models import Role, Team
from kontor.contacts.services import contact_create, organization_create
from kontor.demo import data
from kontor.demo.history import load_history
from kontor.demo.sales import load_sales, summary
from kontor.demo.service import load_service


class Command(BaseCommand):
    help = (
        "Load demo organizations, contacts, their history, deals, products, quotes, orders "
        "and invoices, service levels, a service address and tickets, and two demo colleagues."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        users = get_user_model().objects
        team = []
        demo_team, _created = Team.objects.get_or_create(name=data.TEAM_NAME)
        for username, first_name, last_name, role in data.TEAM:
            user, created = users.get_or_create(
                username=username,
                defaults={"first_name": first_name, "last_name": last_name,
                          "email": f"{username}@kontor.localhost"},
            )  # fmt: skip
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.kontor_roles.add(Role.objects.get(slug=role))
                demo_team.members.add(user)
            team.append(user)
        actor = team[0]
        organizations = []
        for index, (name, website, phone, stage, tags) in enumerate(data.ORGANIZATIONS):
            organizations.append(
                organization_create(
                    actor=actor,
                    data={
                        "name": name,
                        "website": website,
                        "phones": [{"number": phone, "label": "main"}],
                        "lifecycle_stage": stage,
                        "tags": tags,
                        "owner_id": team[index % len(team)].pk,
                    },
                )
            )
        contacts = []
        for index, (first, last, org_index, email, phone, stage) in enumerate(data.CONTACTS):
            contact = contact_create(
                actor=actor,
                data={
                    "first_name": first,
                    "last_name": last,
                    "organization_id": organizations[org_index].pk
                    if org_index is not None
                    else None,
                    "emails": [{"address": email}] if email else [],
                    "phones": [
                        {"number": phone, "label": "mobile" if phone.startswith("01") else "work"}
                    ]
                    if phone
                    else [],
                    "lifecycle_stage": stage,
                    "owner_id": team[index % len(team)].pk,
                },
            )
            contacts.append(contact)
        for record in data.DIRTY_CONTACTS:
            contact_create(actor=actor, data=record)
        activities = load_history(team=team, contacts=contacts, organizations=organizations)
        sales = load_sales(team=team, contacts=contacts, organizations=organizations)
        service = load_service(team=team, contacts=contacts, demo_team=demo_team)
        self.stdout.write(
            f"Loaded {len(organizations)} organizations and "
            f"{len(data.CONTACTS) + len(data.DIRTY_CONTACTS)} contacts "
            f"with {activities} activities, {summary(sales)}, and {service['tickets']} tickets "
            f"of the service address {service['service_address']}."
        )
