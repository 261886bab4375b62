from django.core.management.base import BaseCommand

from kontor.quality.compute import rescore_all
from kontor.quality.models import KINDS

PLURAL = {"contacts": "contact", "organizations": "organization"}


class Command(BaseCommand):
    help = "Compute the quality score of every contact and organization again."

    def add_arguments(self, parser):
        parser.add_argument("--type", choices=sorted(PLURAL), help="Only this type of record.")

    def handle(self, *args, type=None, **options):
        for kind in [PLURAL[type]] if type else KINDS:
            count = rescore_all(kind)
            self.stdout.write(f"{kind}: {count} scored")
