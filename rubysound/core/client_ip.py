"""The client's address, as far as our trusted proxies vouch for it.

Each trusted proxy appends the address it received the request from to X-Forwarded-For,
so with N trusted proxies the client is the N-th entry from the right. Anything further
left was written by the client itself and is never believed.
"""

import ipaddress

from django.conf import settings


def resolve_client_ip(remote_addr: str, forwarded_for: str | None, trusted_proxies: int) -> str:
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    candidate = hops[-min(trusted_proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def client_ip(request) -> str:
    """The resolved address; ClientIPMiddleware has already put it in REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR", "")


def configured_trusted_proxies() -> int:
    return settings.TRUSTED_PROXY_COUNT
