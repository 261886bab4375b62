"""The workflow's clock: time-based rules ask it what time it is, so tests
(and a support engineer replaying a day) can set it."""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()
