"""The client's IP address, the same for request logs, login lockouts and API
throttling.

Behind a reverse proxy every request comes from the proxy's address; the
client's is the entry the proxy appended to X-Forwarded-For. Only the entries
added by proxies we trust (``KONTOR_TRUSTED_PROXIES``, counted from the right)
are believed: anything further left was sent by the client and may be forged."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.KONTOR_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies and (address := _valid(forwarded[-proxies])):
            return address
    # Without an address (e.g. a request made in code): the unspecified
    # address, which every consumer stores (axes keeps it in an IP column).
    return _valid(remote) or "0.0.0.0"  # noqa: S104 (a value, not a bind address)
