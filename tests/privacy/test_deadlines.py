import datetime

import pytest

from kontor.privacy.deadlines import add_months, deadline_for


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-01-15", "2026-02-15"),
        ("2026-01-31", "2026-02-28"),
        ("2028-01-31", "2028-02-29"),
        ("2026-03-31", "2026-04-30"),
        ("2026-12-31", "2027-01-31"),
        ("2026-12-05", "2027-01-05"),
        ("2026-02-28", "2026-03-28"),
    ],
)
def test_a_request_is_due_one_calendar_month_after_receipt(received, due):
    assert deadline_for(datetime.date.fromisoformat(received)) == datetime.date.fromisoformat(due)


def test_months_are_added_across_years():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 5, 31), 12) == datetime.date(2027, 5, 31)
