"""``kontor worker``: run the background queue (docs/background.md)."""

import logging

from django.core.management.base import BaseCommand, CommandParser

from kontor.tasks.worker import Worker, run_until_empty


class Command(BaseCommand):
    help = "Run background jobs and the periodic schedule until stopped (SIGTERM / Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Jobs run at the same time (threads)."
        )
        parser.add_argument(
            "--queues", default="*", help="Comma-separated queues to take jobs from (default: all)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at an empty queue."
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Do not queue periodic jobs from this process (another worker does).",
        )
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="Run what is ready now, one at a time, then exit (no schedule, no heartbeat).",
        )

    def handle(self, *args, **options) -> None:
        if options["verbosity"] > 0:
            logging.getLogger("kontor.tasks").setLevel(logging.INFO)
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()] or ["*"]
        if options["until_empty"]:
            ran = run_until_empty(queues)
            self.stdout.write(f"{ran} job(s) run.")
            return
        if options["concurrency"] < 1:
            self.stderr.write("--concurrency must be at least 1.")
            raise SystemExit(2)
        worker = Worker(
            concurrency=options["concurrency"],
            queues=queues,
            interval=max(0.05, options["interval"]),
            schedules=not options["no_schedule"],
        )
        worker.install_signal_handlers()
        self.stdout.write(f"Kontor worker {worker.id} running; stop with Ctrl-C.")
        worker.run()
