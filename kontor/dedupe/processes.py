"""What the full scan runs in its other processes. Imports nothing of
Django's models at module level: a process started by "spawn" imports this
module before Django is set up there."""

import importlib
from typing import Any

_ready = False


def run(
    database: str, limits: dict[str, Any], module: str, name: str, *args: Any
) -> tuple[Any, float]:
    """``<module>.<name>(*args)`` (the scan's module, named by it) in a
    process of its own, Django set up there once against the scanning
    process's database (a test run's too) and the module given its limits;
    returns the result and the process's peak memory in MB so far."""
    global _ready
    if not _ready:
        import django
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = database
        django.setup()
        _ready = True

    scan = importlib.import_module(module)
    for key, value in limits.items():
        setattr(scan, key, value)
    return getattr(scan, name)(*args), _peak_mb()


def _peak_mb() -> float:
    """The process's peak resident memory (VmHWM: since it started, not
    counting the process it was forked from)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0
