from django.core.management import call_command
from django.utils import timezone

from kontor.activities.models import Activity
from kontor.notifications.models import Notification


def test_the_demo_data_has_a_believable_history(db):
    call_command("demo", verbosity=0)

    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert kinds == {"call", "email", "meeting", "note", "task"}
    now = timezone.now()
    open_tasks = Activity.objects.filter(kind="task", status="open")
    assert open_tasks.filter(due_at__lt=now).exists()
    assert open_tasks.filter(due_at__gt=now).exists()
    assert Activity.objects.filter(kind="task", status="done").exists()
    assert Activity.objects.filter(kind="meeting", starts_at__gt=now).exists()
    assert Notification.objects.filter(recipient__username="jonas").exists()
