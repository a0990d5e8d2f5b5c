"""The one way provider clients reach the network.

One pooled ``httpx.AsyncClient`` per event loop (one per process under uvicorn; tests that
run several loops get one each), with timeouts and our User-Agent. ``get`` raises a
``ProviderError`` for failures of the transport itself (timeouts, refused connections, 5xx,
429) and returns every other answer, 4xx included, for the client to interpret: services
put their own error codes in 4xx bodies.
"""

import asyncio
import json
import weakref
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from .errors import ErrorKind, ProviderError


@dataclass(frozen=True)
class Reply:
    service: str
    status: int
    headers: httpx.Headers
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; a body that is not JSON is a MALFORMED ProviderError."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            raise ProviderError(self.service, ErrorKind.MALFORMED, "not JSON") from None

    def text(self) -> str:
        return self.content.decode(_charset(self.headers), errors="replace")


def _charset(headers: httpx.Headers) -> str:
    content_type = headers.get("content-type", "")
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def user_agent() -> str:
    """Who we are, as MusicBrainz and Wikipedia ask every client to say."""
    from rubysound import __version__

    return f"RubySound/{__version__} ( {settings.PROVIDERS_CONTACT} )"


def build_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.PROVIDERS_READ_TIMEOUT_SECONDS,
            connect=settings.PROVIDERS_CONNECT_TIMEOUT_SECONDS,
        ),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
    )


_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = (
    weakref.WeakKeyDictionary()
)


def shared_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = _clients[loop] = build_client()
    return client


class Transport:
    async def get(
        self,
        service: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        try:
            response = await shared_client().get(url, params=params, headers=headers)
        except httpx.TimeoutException:
            raise ProviderError(service, ErrorKind.TIMEOUT) from None
        except httpx.HTTPError as exc:
            raise ProviderError(service, ErrorKind.UNAVAILABLE, type(exc).__name__) from None
        if response.status_code == 429:
            raise ProviderError(service, ErrorKind.RATE_LIMITED, status=429)
        if response.status_code >= 500:
            raise ProviderError(
                service,
                ErrorKind.UNAVAILABLE,
                f"HTTP {response.status_code}",
                status=response.status_code,
            )
        return Reply(
            service=service,
            status=response.status_code,
            headers=response.headers,
            content=response.content,
            url=str(response.url),
        )


_default_transport = Transport()


def default_transport() -> Transport:
    return _default_transport
