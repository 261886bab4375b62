"""``kontor serve``'s gunicorn settings."""

import gc

from django.core.management import call_command

from kontor.core.processes import freeze_boot_objects
from kontor.server.management.commands import serve


def _gunicorn_config(monkeypatch):
    """The settings ``kontor serve`` hands gunicorn (which checks them)."""
    started = {}
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)  # collectstatic
    monkeypatch.setattr(serve._Gunicorn, "run", lambda app: started.update(cfg=app.cfg))
    call_command("serve", "--port", "8999")
    return started["cfg"]


def test_a_worker_sets_what_it_loaded_aside_from_the_garbage_collector():
    try:
        freeze_boot_objects(worker=None)

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_gunicorn_calls_it_once_a_worker_has_loaded_kontor(monkeypatch):
    assert _gunicorn_config(monkeypatch).post_worker_init is freeze_boot_objects


def test_a_kept_alive_connection_outlives_a_proxys_idle_timeout(monkeypatch):
    assert _gunicorn_config(monkeypatch).keepalive > 60
