"""When a request of a data subject must be answered: one month after its
receipt (Art. 12(3) GDPR). A month ends on the day of the next month with
the same number; a month without that day ends on its last day (31 January
→ 28 or 29 February), as months are counted in EU law (Regulation
1182/71, Art. 3(2)(c))."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_for(received_on: datetime.date) -> datetime.date:
    return add_months(received_on, 1)
