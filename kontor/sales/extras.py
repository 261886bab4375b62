"""What other domains add to a deal's card on the board and to its page
(the lead score from analytics), so that sales shows it without knowing
those domains: a domain registers a ``DealExtra`` from its
``AppConfig.ready()``.

``read(user, deals)`` reads the extra of a page of deals the user may see
in a fixed number of queries and answers ``{deal id: content}`` (deals
without one left out); ``card_template`` and ``detail_template`` render one
deal's content (context: ``deal``, ``content``; an empty name shows nothing
there). ``as_json(content)`` gives the keys it adds to the deal in the 360°
view's JSON answer."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DealExtra:
    key: str
    read: Callable[[Any, list[Any]], dict[Any, Any]]
    card_template: str = ""
    detail_template: str = ""
    as_json: Callable[[Any], dict[str, Any]] | None = None
    position: int = 100


@dataclass(frozen=True)
class ShownExtra:
    extra: DealExtra
    content: Any


_EXTRAS: dict[str, DealExtra] = {}


def register_deal_extra(extra: DealExtra) -> None:
    """Registering a key again replaces the extra."""
    _EXTRAS[extra.key] = extra


def deal_extras() -> list[DealExtra]:
    return sorted(_EXTRAS.values(), key=lambda extra: (extra.position, extra.key))


def extras_json(deal: Any) -> dict[str, Any]:
    """The keys the extras noted on ``deal`` add to its JSON."""
    answer: dict[str, Any] = {}
    for shown in getattr(deal, "extras", ()):
        if shown.extra.as_json is not None:
            answer.update(shown.extra.as_json(shown.content))
    return answer


def note_deal_extras(user: Any, deals: Iterable[Any]) -> None:
    """Gives each deal ``extras``: the registered extras it has, in order."""
    deals = [deal for deal in deals if deal is not None]
    for deal in deals:
        deal.extras = []
    if not deals:
        return
    for extra in deal_extras():
        found = extra.read(user, deals)
        for deal in deals:
            if deal.pk in found:
                deal.extras.append(ShownExtra(extra=extra, content=found[deal.pk]))
