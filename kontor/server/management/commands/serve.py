"""``kontor serve``: Kontor behind gunicorn, a production-grade WSGI server,
with static files served by WhiteNoise."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from kontor.api.openapi import MAX_REQUEST_FIELD, MAX_REQUEST_LINE
from kontor.core.processes import freeze_boot_objects


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from kontor.wsgi import application

        return application


class Command(BaseCommand):
    help = "Run Kontor with gunicorn (not Django's development server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KONTOR_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KONTOR_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("KONTOR_WORKERS", "2")),
            help="Worker processes (default 2, or KONTOR_WORKERS).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            # Each open browser tab holds a thread with its event stream (screen
            # pops, kontor.events): 2 workers x 32 threads serve 50 users' tabs
            # and their requests.
            default=int(os.environ.get("KONTOR_THREADS", "32")),
            help="Threads per worker (default 32, or KONTOR_THREADS).",
        )

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                # No access log: kontor.core.middleware logs each request once,
                # with its request id and with personal data masked.
                "errorlog": "-",
                "limit_request_line": MAX_REQUEST_LINE,
                "limit_request_field_size": MAX_REQUEST_FIELD,
                "timeout": 60,
                # Longer than a proxy's or load balancer's idle timeout (nginx's
                # and AWS's 60 s): a server that closes a kept-alive connection
                # first races the next request sent on it, which the client then
                # loses ("connection closed": 2 POSTs of 4 894 in a ten-minute
                # load run with gunicorn's 2 s, the colleagues pausing 2-10 s).
                "keepalive": 75,
                "graceful_timeout": 10,
                "forwarded_allow_ips": os.environ.get("KONTOR_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                "post_worker_init": freeze_boot_objects,
            }
        ).run()
