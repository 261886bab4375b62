from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kontor.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (one line, nothing else)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A name to tell the token apart later.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _token, key = api_token_create(actor=user, user=user, name=name or "createtoken")
        self.stdout.write(key)
