"""Running a function of Kontor's in another process started by "spawn"
(the duplicate scan's shares, an import's batches), and what a long-lived
process does once it has loaded Kontor. Imports nothing of Django's models
at module level: such a process imports this module before Django is set
up there."""

import gc
import importlib
import resource
import sys
from typing import Any

_ready = False


def run(
    database: str, limits: dict[str, Any], module: str, name: str, *args: Any
) -> tuple[Any, float]:
    """``<module>.<name>(*args)`` in a process of its own, Django set up
    there once against the calling process's database (a test run's too)
    and the module given its limits (module attributes, e.g. a batch
    size); returns the result and the process's peak memory in MB so far."""
    global _ready
    if not _ready:
        import django
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = database
        django.setup()
        _ready = True

    target = importlib.import_module(module)
    for key, value in limits.items():
        setattr(target, key, value)
    return getattr(target, name)(*args), peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM where Linux gives
    it (since the process started: for a spawned process not the copy of
    the process it was started from), else ``getrusage``'s maximum."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def freeze_boot_objects(worker: object) -> None:
    """Set the objects a process made while loading Kontor (Django, the
    apps, the URLs and API schemas: some 300 000) aside from the garbage
    collector, once it has loaded them: a server's worker through
    gunicorn's ``post_worker_init`` (``kontor serve``). They live as long
    as the process, and each full collection walked them all: a pause of
    100 to 300 ms in about one request of a hundred (the p99 of a contact
    list page at a million contacts: 218 and 300 ms, then 63 and 79 ms with
    them set aside; the median unchanged)."""
    gc.collect()
    gc.freeze()
