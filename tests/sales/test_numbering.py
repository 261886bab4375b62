"""Quote numbers have no gaps and no duplicates, even when two processes
create quotes at the same moment (on the test run's database engine)."""

import subprocess
import sys
import time

from django.utils import timezone

from kontor.sales import services
from kontor.sales.numbering import format_number, next_number
from tests.core.scratch import kontor, kontor_env, query, scratch_database

PER_PROCESS = 15

SETUP = """
from kontor.contacts.services import organization_create
from tests.factories import UserFactory
admin = UserFactory(username="numbers", roles=["administrator"])
organization_create(actor=admin, data={"name": "Numbers GmbH"})
"""

WRITER = """
import os, time
from pathlib import Path
from django.contrib.auth import get_user_model
from kontor.contacts.models import Organization
from kontor.sales.services import quote_create
actor = get_user_model().objects.get(username="numbers")
organization = Organization.objects.get()
start = Path(os.environ["START_FILE"])
while not start.exists():
    time.sleep(0.01)
for _ in range({count}):
    quote_create(actor=actor, data={{"organization_id": organization.pk}})
"""


def test_two_processes_creating_quotes_at_once_get_every_number_once(tmp_path):
    with scratch_database(tmp_path, "numbers", migrated=True) as url:
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
        numbers = [row[0] for row in query(url, "SELECT number FROM sales_quote")]

    year = timezone.localdate().year
    expected = [format_number("quote", year=year, number=n) for n in range(1, 2 * PER_PROCESS + 1)]
    assert sorted(numbers) == expected


def test_a_rolled_back_quote_gives_its_number_back(user, organization):
    from django.db import transaction

    try:
        with transaction.atomic():
            services.quote_create(actor=user, data={"organization_id": organization.pk})
            raise RuntimeError("the caller fails after the quote was made")
    except RuntimeError:
        pass
    quote = services.quote_create(actor=user, data={"organization_id": organization.pk})
    assert quote.number.endswith("-00001")


def test_numbers_start_again_each_year_and_follow_the_pattern(settings, db):
    from django.db import transaction

    settings.KONTOR_QUOTE_NUMBER_PATTERN = "ANG/{year}/{number:04d}"
    with transaction.atomic():
        first = next_number("quote", on=timezone.datetime(2025, 12, 31).date())
        second = next_number("quote", on=timezone.datetime(2025, 12, 31).date())
        new_year = next_number("quote", on=timezone.datetime(2026, 1, 1).date())
    assert (first, second, new_year) == ("ANG/2025/0001", "ANG/2025/0002", "ANG/2026/0001")
