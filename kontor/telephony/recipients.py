"""Whose screen pops up when a phone rings.

The one place to decide it: the agents the phone system names, else the
owners of the records the number belongs to. When teams arrive, the owner's
team joins here."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from kontor.contacts.selectors import Match

MAX_RECIPIENTS = 20


def screen_pop_recipients(
    *, agents: Iterable[AbstractBaseUser], matches: Iterable[Match]
) -> list[AbstractBaseUser]:
    recipients: list[AbstractBaseUser] = [agent for agent in agents if agent.is_active]
    if not recipients:
        for match in matches:
            owner = match.record.owner
            if owner is not None and owner.is_active and owner not in recipients:
                recipients.append(owner)
    return recipients[:MAX_RECIPIENTS]
