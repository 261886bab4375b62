"""The port through which a received email reaches the domains that act on
it, without the app that takes in email knowing them.

Email capture and the domains sit on one floor and may not import each
other: a domain registers its router here in its ``AppConfig.ready()``
(e.g. service opens a ticket for mail to a service address), and email
capture calls ``route_inbound`` for every message it took in, in the
transaction that stores what it read. A router answers what it did as a
mapping (``{"ticket_id": …}``); the answers are merged into the result of
the ingest. Called again for a message received before (``duplicate``), a
router writes nothing and answers what it had done then."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class InboundEmail:
    """What a router gets to know about a received message. Addresses are
    normalized (lower case); ``automatic`` says why a machine sent it
    (``Auto-Submitted: auto-replied``, ``Precedence: bulk``, a bounce …),
    empty for a message a person wrote."""

    id: Any  # the stored message (email capture's)
    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    sender: str = ""
    sender_name: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    delivered_to: tuple[str, ...] = ()
    automatic: str = ""
    # Sent by one of the company's own addresses (a colleague's copy).
    outgoing: bool = False
    # A bounce, read receipt or complaint: the kind, and the Message-ID of
    # the sent message it is about.
    report_kind: str = ""
    report_about: str = ""
    # The customer email capture matched or made (None: none).
    contact_id: Any = None
    organization_id: Any = None
    duplicate: bool = False
    problems: list[str] = field(default_factory=list, compare=False)

    @property
    def recipients(self) -> tuple[str, ...]:
        """To, Cc and Delivered-To, each address once."""
        return tuple(dict.fromkeys([*self.to, *self.cc, *self.delivered_to]))


class InboundRouter(Protocol):
    def __call__(self, *, actor: Any, email: InboundEmail) -> Mapping[str, Any]: ...


_routers: list[Callable[..., Any] | str] = []


def register_inbound_router(router: InboundRouter | str) -> None:
    """Have ``router`` (a callable or its dotted path) called for every
    received message. Registering the same router twice keeps it once."""
    if router not in _routers:
        _routers.append(router)


def unregister_inbound_router(router: InboundRouter | str) -> None:
    if router in _routers:
        _routers.remove(router)


def route_inbound(*, actor: Any, email: InboundEmail) -> dict[str, Any]:
    """Hand the message to every registered router; their answers merged."""
    answer: dict[str, Any] = {}
    for router in list(_routers):
        target = import_string(router) if isinstance(router, str) else router
        answer.update(target(actor=actor, email=email) or {})
    return answer
