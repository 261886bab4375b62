"""Ticket numbers have no gaps and no duplicates, even when two processes
open tickets at the same moment (on the test run's database engine)."""

import subprocess
import sys
import time

from django.db import transaction

from kontor.service.numbering import format_number, next_ticket_number
from tests.core.scratch import kontor, kontor_env, query, scratch_database

PER_PROCESS = 15

SETUP = """
from tests.factories import UserFactory
UserFactory(username="numbers", roles=["administrator"])
"""

WRITER = """
import os, time
from pathlib import Path
from django.contrib.auth import get_user_model
from kontor.service.services import ticket_create
actor = get_user_model().objects.get(username="numbers")
start = Path(os.environ["START_FILE"])
while not start.exists():
    time.sleep(0.01)
for index in range({count}):
    ticket_create(actor=actor, data={{"subject": f"Ticket {{index}}"}})
"""


def test_two_processes_opening_tickets_at_once_get_every_number_once(tmp_path):
    with scratch_database(tmp_path, "tickets", migrated=True) as url:
        kontor("shell", "-c", SETUP, url=url, var_dir=tmp_path)
        start = tmp_path / "start"
        env = kontor_env(url, tmp_path, START_FILE=str(start))
        writers = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "kontor", "shell", "-c", WRITER.format(count=PER_PROCESS)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        time.sleep(3)  # both are waiting at the start line by now
        start.touch()
        for writer in writers:
            _out, err = writer.communicate(timeout=240)
            assert writer.returncode == 0, err
        numbers = [row[0] for row in query(url, "SELECT number FROM service_ticket")]

    assert sorted(numbers) == [format_number(n) for n in range(1, 2 * PER_PROCESS + 1)]


def test_numbers_count_on_in_one_transaction(db):
    with transaction.atomic():
        assert [next_ticket_number() for _ in range(3)] == ["T-000001", "T-000002", "T-000003"]
    assert format_number(123) == "T-000123"
