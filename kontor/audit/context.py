"""Where a write or read comes from: the web interface, the API, the command
line, an import or a workflow (and which rule:
``audit_via``); and, inside a request, the reads of sensitive
fields collected so that a whole page or list costs one insert, not one per
record (``AuditMiddleware`` writes them when the response is ready)."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kontor.audit.models import Channel


@dataclass
class RequestContext:
    channel: str
    request_id: str = ""
    pending_reads: list[Any] = field(default_factory=list)
    seen_reads: set[tuple] = field(default_factory=set)


_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)
_channel: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_channel", default=None)
_via: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="")


def current_request() -> RequestContext | None:
    return _request.get()


def current_channel() -> str:
    """An explicit ``audit_channel`` wins; else the request's; else the
    command line (management commands, the shell, background work)."""
    explicit = _channel.get()
    if explicit:
        return explicit
    request = _request.get()
    return request.channel if request is not None else Channel.CLI


@contextmanager
def audit_channel(channel: str) -> Iterator[None]:
    """Attribute the writes inside to ``channel`` (an import, a workflow)."""
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)


def current_via() -> str:
    return _via.get()


@contextmanager
def audit_via(via: str) -> Iterator[None]:
    """Name what acted for the actor in the writes inside (``rule 12:
    Assign new leads``): a workflow rule acts as its owner, and the audit
    trail tells both."""
    token = _via.set(via[:200])
    try:
        yield
    finally:
        _via.reset(token)


@contextmanager
def request_context(context: RequestContext) -> Iterator[RequestContext]:
    token = _request.set(context)
    try:
        yield context
    finally:
        _request.reset(token)
