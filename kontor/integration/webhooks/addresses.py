"""Where a webhook may go, and sending it there (server-side request
forgery): a URL whose host resolves to a loopback, private, link-local,
multicast, reserved or otherwise non-public address is refused, unless
KONTOR_WEBHOOKS_ALLOW_PRIVATE. The check runs when a subscription is made
and again on every delivery (DNS can change), and the connection goes to
the very address that was checked, so a second lookup cannot swap it.
Redirects are not followed; the timeouts are short; at most a short excerpt
of the answer is read."""

import ipaddress
import socket
from dataclasses import dataclass

import urllib3
from django.conf import settings
from urllib3.util import Url, parse_url

MAX_URL_LENGTH = 2000
EXCERPT_BYTES = 500
CONNECT_TIMEOUT_SECONDS = 5.0


class UnsafeAddress(Exception):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def parse(url: str) -> Url:
    """The URL's parts; raises UnsafeAddress for anything but a plain
    http(s) URL with a host."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeAddress("give an http:// or https:// URL")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeAddress(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = parse_url(url.strip())
    except ValueError:
        raise UnsafeAddress("is no valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress("must start with http:// or https://")
    if not parts.host:
        raise UnsafeAddress("has no host")
    if parts.auth:
        raise UnsafeAddress("must not contain a user name or password")
    return parts


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved or address.is_unspecified or not address.is_global:
        return "reserved"
    return None


def safe_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, each of them allowed; raises
    UnsafeAddress if it does not resolve or any address is not."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeAddress(f"the host {host} cannot be resolved") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeAddress(f"the host {host} cannot be resolved")
    if settings.KONTOR_WEBHOOKS_ALLOW_PRIVATE:
        return addresses
    for address in addresses:
        reason = _refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            raise UnsafeAddress(
                f"points to a {reason} address ({address}); webhooks go to public "
                "addresses only (KONTOR_WEBHOOKS_ALLOW_PRIVATE allows others)"
            )
    return addresses


def check_url(url: str) -> str:
    """The URL, stripped, if it may be called now; else UnsafeAddress."""
    parts = parse(url)
    safe_addresses(parts.host, parts.port or (443 if parts.scheme == "https" else 80))
    return url.strip()


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` at an address checked just now. Raises
    UnsafeAddress, or urllib3's errors for a connection that fails."""
    parts = parse(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = safe_addresses(parts.host, port)[0]
    timeout = urllib3.Timeout(
        connect=min(CONNECT_TIMEOUT_SECONDS, settings.KONTOR_WEBHOOK_TIMEOUT_SECONDS),
        read=settings.KONTOR_WEBHOOK_TIMEOUT_SECONDS,
    )
    options: dict = {"timeout": timeout, "retries": False, "maxsize": 1}
    if https:
        options.update(
            server_hostname=parts.host.strip("[]"),
            assert_hostname=parts.host.strip("[]"),
            cert_reqs="CERT_REQUIRED",
        )
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(address, port, **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    with pool:
        response = pool.urlopen(
            "POST",
            parts.request_uri,
            body=body,
            headers={**headers, "Host": parts.netloc},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=False)
        finally:
            response.release_conn()
    return Answer(status=response.status, excerpt=excerpt.decode("utf-8", "replace"))
