"""ListenBrainz (API 1) client for a user's own account: checking the token they paste.

The server is the user's choice (ListenBrainz itself, or a self-hosted ListenBrainz, Maloja
or RubySound), so every request goes through the network guard: the address must be public
unless the operator allows private ones (SCROBBLING_PRIVATE_ADDRESSES), no proxy from the
environment, no redirects. One attempt, no circuit breaker: a user's server that is down
says nothing about anyone else's.
"""

import functools
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from .errors import ErrorKind, ProviderError
from .metrics import redact
from .netguard import GuardedHTTPTransport, GuardedNetworkBackend, is_public_address
from .transport import per_event_loop, user_agent

SERVICE = "listenbrainz"
MAX_URL_LENGTH = 255  # ScrobbleLink.base_url's length

logger = logging.getLogger(__name__)


class BaseUrlRefused(ValueError):
    """A server address we will not send a user's token to; the message says why."""


def normalise_base_url(raw: str) -> str:
    """``raw`` as the root of a ListenBrainz API (no trailing slash, no ``/1``): http or
    https, a host, no credentials, query or fragment. BaseUrlRefused if it is not one."""
    value = (raw or "").strip()
    if len(value) > MAX_URL_LENGTH:
        raise BaseUrlRefused("too long")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise BaseUrlRefused("not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BaseUrlRefused("not an http or https URL")
    if parts.username is not None or parts.password is not None:
        raise BaseUrlRefused("credentials in the URL")
    if parts.query or parts.fragment:
        raise BaseUrlRefused("a query or fragment")
    path = parts.path.rstrip("/")
    # People paste the API's address as documented, with its version.
    if path.endswith("/1"):
        path = path[: -len("/1")]
    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # an IPv6 literal keeps its brackets
        netloc = f"[{parts.hostname}]" + ("" if port is None else f":{port}")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _address_allowed(address: str) -> bool:
    return settings.SCROBBLING_PRIVATE_ADDRESSES or is_public_address(address)


def build_client(*, guarded: bool = True) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=5)
    transport = (
        GuardedHTTPTransport(
            network_backend=GuardedNetworkBackend(address_allowed=_address_allowed),
            limits=limits,
        )
        if guarded
        else httpx.AsyncHTTPTransport(limits=limits)
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(
            settings.SCROBBLING_LINK_TIMEOUT_SECONDS,
            connect=settings.PROVIDERS_CONNECT_TIMEOUT_SECONDS,
        ),
        headers={"User-Agent": user_agent()},
        follow_redirects=False,
        trust_env=False,
    )


# A server a user names goes through the guard; the operator's LISTENBRAINZ_BASE_URL is
# trusted wherever it points (a ListenBrainz or Maloja on the operator's own network).
guarded_client = per_event_loop(build_client)
trusted_client = per_event_loop(functools.partial(build_client, guarded=False))


@dataclass(frozen=True)
class TokenCheck:
    """A server's verdict on a token: valid or not, and whose it is."""

    valid: bool
    user_name: str = ""


class ListenBrainzClient:
    """One ListenBrainz server (``base_url`` as ``normalise_base_url`` gives it);
    ``trusted`` for the operator's own (LISTENBRAINZ_BASE_URL), which skips the guard."""

    def __init__(self, base_url: str, *, trusted: bool = False):
        self.base_url = base_url
        self.trusted = trusted

    async def validate_token(self, token: str) -> TokenCheck:
        """GET /1/validate-token. ListenBrainz answers 200 with ``"valid": false`` for a
        token it does not know (older servers, and stricter clones, a 401); anything else
        that is not its JSON is a ProviderError (UNAVAILABLE, NOT_FOUND or MALFORMED)."""
        reply = await self._get("/1/validate-token", token)
        if reply.status_code in (401, 403):
            return TokenCheck(valid=False)
        if reply.status_code == 404:
            raise self._failure(ErrorKind.NOT_FOUND, "no ListenBrainz API here")
        if reply.status_code != 200:
            raise self._failure(ErrorKind.UNAVAILABLE, f"HTTP {reply.status_code}")
        try:
            payload = reply.json()
        except ValueError:
            raise self._failure(ErrorKind.MALFORMED, "not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("valid"), bool):
            raise self._failure(ErrorKind.MALFORMED, "no 'valid' in the answer")
        if not payload["valid"]:
            return TokenCheck(valid=False)
        user_name = payload.get("user_name")
        return TokenCheck(valid=True, user_name=user_name if isinstance(user_name, str) else "")

    async def _get(self, path: str, token: str) -> httpx.Response:
        client = trusted_client() if self.trusted else guarded_client()
        try:
            return await client.get(
                self.base_url + path, headers={"Authorization": f"Token {token}"}
            )
        except httpx.TimeoutException as exc:
            raise self._failure(ErrorKind.TIMEOUT, type(exc).__name__) from None
        except (httpx.HTTPError, ValueError) as exc:
            # A refused address (the guard) lands here too: to the user, it is unreachable.
            raise self._failure(ErrorKind.UNAVAILABLE, type(exc).__name__) from None

    def _failure(self, kind: ErrorKind, reason: str) -> ProviderError:
        error = ProviderError(SERVICE, kind, reason)
        # The token travels in a header, never in the URL: the address is safe to log.
        logger.warning(
            "listenbrainz call failed",
            extra={
                "service": SERVICE,
                "kind": str(kind),
                "reason": reason,
                "url": redact(self.base_url),
            },
        )
        error.reported = True
        return error
