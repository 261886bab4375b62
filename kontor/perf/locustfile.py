"""Mixed CRM traffic for ``kontor loadtest``: locust runs this file in its own
process (gevent must not patch Django's). The samples — API tokens of real
users, and contacts each of them may see — come from the JSON file named in
``KONTOR_LOAD_SAMPLES``; ``kontor.perf.load`` writes it."""

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, between, task

SAMPLES = json.loads(Path(os.environ["KONTOR_LOAD_SAMPLES"]).read_text(encoding="utf-8"))
_accounts = itertools.cycle(SAMPLES["accounts"])


class Colleague(FastHttpUser):
    """A sales rep or service agent: the phone rings, they look people up,
    page through lists and histories, and now and then write something."""

    # Seconds between a colleague's requests (``kontor loadtest --think``).
    wait_time = between(
        *(float(s) for s in os.environ.get("KONTOR_LOAD_THINK", "0.05-0.5").split("-"))
    )

    def on_start(self) -> None:
        account = next(_accounts)
        self.headers = {"Authorization": f"Bearer {account['token']}"}
        self.contacts = account["contacts"]
        self.rng = random.Random()

    def _get(self, path: str, name: str, **params) -> None:
        self.client.get(path, params=params, headers=self.headers, name=name)

    @task(30)
    def phone_lookup(self) -> None:
        self._get("/api/v1/lookup", "lookup phone", phone=self.rng.choice(SAMPLES["phones"]))

    @task(10)
    def email_lookup(self) -> None:
        self._get("/api/v1/lookup", "lookup email", email=self.rng.choice(SAMPLES["emails"]))

    @task(15)
    def search(self) -> None:
        term = self.rng.choice(SAMPLES["names"])
        self._get("/api/v1/contacts", "search", q=term, limit=50)

    @task(10)
    def list_page(self) -> None:
        self._get("/api/v1/contacts", "list", lifecycle_stage="customer", limit=50)

    @task(10)
    def contact(self) -> None:
        self._get(f"/api/v1/contacts/{self.rng.choice(self.contacts)}", "contact")

    @task(5)
    def overview(self) -> None:
        self._get(f"/api/v1/contacts/{self.rng.choice(self.contacts)}/overview", "overview")

    @task(10)
    def timeline(self) -> None:
        contact = self.rng.choice(self.contacts)
        self._get("/api/v1/activities", "timeline", contact_id=contact, limit=50)

    @task(5)
    def create_contact(self) -> None:
        address = f"load-{uuid.uuid4().hex[:12]}@kontor-load.example"
        self.client.post(
            "/api/v1/contacts",
            json={"emails": [{"address": address}], "tags": [SAMPLES["tag"]]},
            headers=self.headers,
            name="create contact",
        )

    @task(5)
    def note(self) -> None:
        self.client.post(
            "/api/v1/activities",
            json={
                "kind": "note",
                "contact_id": self.rng.choice(self.contacts),
                "subject": SAMPLES["tag"],
                "body": "Kunde ruft nächste Woche zurück.",
            },
            headers=self.headers,
            name="add note",
        )
