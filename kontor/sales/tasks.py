"""The sales app's periodic job: quotes expire by themselves on their date."""

from django.utils import timezone
from django_tasks import task

from kontor.sales.services import quotes_expire


@task()
def expire_quotes() -> int:
    return quotes_expire(now=timezone.now())
