"""Reading the input of the ticket services (kontor.contacts.input): a
ticket's input also names its queue."""

from typing import Any

from kontor.access.models import Team
from kontor.contacts.input import Input as CustomerInput


class Input(CustomerInput):
    def team(self, value: Any) -> Any:
        return self.record("team_id", value, Team.objects.all(), "team", "team")
