"""Webhooks sent by real `kontor worker` processes: a worker killed while a
delivery is in flight loses nothing, and the receiver, deduplicating by
``webhook-id``, sees every event exactly once."""

import os
import signal
import threading
from collections import Counter

from standardwebhooks import Webhook

from tests.core.scratch import kontor, query, scratch_database
from tests.integration.receiver import webhook_receiver
from tests.tasks.test_worker_processes import start_worker, stop, wait_until

SETUP = """
from kontor.contacts.services import contact_create
from kontor.integration.webhooks.services import subscription_create
from tests.factories import UserFactory
admin = UserFactory(username="erp-admin", roles=["administrator"])
_sub, secret = subscription_create(actor=admin, data={"url": %r, "events": ["contact.*"]})
print("SECRET", secret)
for name in ("Ada", "Grace", "Edsger"):
    contact_create(actor=admin, data={"first_name": name})
"""
ENV = {
    "KONTOR_WEBHOOKS_ALLOW_PRIVATE": "true",
    "KONTOR_WORKER_LEASE_SECONDS": "2",
    "KONTOR_WEBHOOK_TIMEOUT_SECONDS": "3",
}


def delivery_statuses(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT status FROM integration_webhookdelivery")]


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_each_event_once(tmp_path):
    with scratch_database(tmp_path, "hooks", migrated=True) as url, webhook_receiver() as receiver:
        receiver.hold = threading.Event()  # the first delivery hangs in flight
        output = kontor("shell", "-c", SETUP % receiver.url, url=url, var_dir=tmp_path, **ENV)
        secret = output.stdout.split("SECRET", 1)[1].split()[0]

        first = start_worker(url, tmp_path, "--no-schedule", **ENV)
        try:
            assert receiver.arrived.wait(90), "no delivery arrived"
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert "sending" in delivery_statuses(url)

        second = start_worker(url, tmp_path, "--no-schedule", **ENV)
        try:
            wait_until(
                lambda: delivery_statuses(url) == ["delivered"] * 3,
                "every delivery done after the lost worker's lease",
                seconds=120,
            )
        finally:
            stop(second)

    ids = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert len(ids) == 3
    assert sorted(ids.values()) == [1, 1, 2], "only the delivery in flight was sent again"
    hook = Webhook(secret)
    by_id = {r.headers["webhook-id"]: hook.verify(r.body, r.headers) for r in receiver.requests}
    names = sorted(payload["data"]["first_name"] for payload in by_id.values())
    assert names == ["Ada", "Edsger", "Grace"]
    assert {payload["type"] for payload in by_id.values()} == {"contact.created"}
