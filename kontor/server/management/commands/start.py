"""``kontor start``: everything a first run on a laptop needs, then serve,
with a background worker beside the server (periodic jobs, deliveries)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kontor.contacts.models import Contact, Organization

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Apply migrations, load demo data into an empty database, make sure an "
        "administrator exists, print the URL and login, and serve Kontor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KONTOR_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KONTOR_PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, then exit."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run a background worker beside the server (run `kontor worker` "
            "elsewhere).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        no_demo: bool,
        no_serve: bool,
        no_worker: bool,
        **options,
    ):
        call_command("migrate", interactive=False, verbosity=0)
        password = self._ensure_admin()
        if not no_demo and not Contact.objects.exists() and not Organization.objects.exists():
            self.stdout.write("Loading demo data …")
            call_command("demo", verbosity=0)
        shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        self.stdout.write(
            self.style.SUCCESS(
                f"\nKontor is ready: http://{shown_host}:{port}/\n"
                f"  login:    {ADMIN_USERNAME}\n"
                f"  password: {password}\n"
                f"  database: {settings.DATABASES['default']['NAME']}\n"
            )
        )
        if no_serve:
            return
        worker = None if no_worker else self._start_worker()
        try:
            call_command("serve", host=host, port=port)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=settings.KONTOR_WORKER_STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen:
        """``kontor worker`` as a process of its own, so that the server's
        worker processes and the queue's threads never share a fork."""
        worker = subprocess.Popen([sys.executable, "-m", "kontor", "worker"])
        self.stdout.write(f"Background worker running (process {worker.pid}).")
        return worker

    def _ensure_admin(self) -> str:
        """Create the first administrator with a random password, kept in
        var/ so that it can be shown again on every start."""
        password_file = settings.VAR_DIR / "admin-password"
        users = get_user_model().objects
        if not users.filter(username=ADMIN_USERNAME).exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser(ADMIN_USERNAME, "admin@kontor.localhost", password)
            password_file.touch(mode=0o600)
            password_file.write_text(password)
            return password
        if password_file.exists():
            return password_file.read_text().strip()
        return "(unchanged — set it with: kontor changepassword admin)"
