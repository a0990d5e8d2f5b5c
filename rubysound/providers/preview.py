"""Fetching a provider's audio preview on a listener's behalf, safely.

``PreviewFetcher.open`` checks the URL against the allow-list (``netguard.check_url``),
sends the request through a client whose connections only reach public addresses
(``netguard.GuardedNetworkBackend``), follows a few redirects by hand, checking every
``Location`` like the first URL, and accepts only an audio answer no larger than
``PREVIEW_MAX_BYTES``. The body is then read chunk by chunk with the cap, the read timeout
and an overall deadline enforced as it arrives. Every failure is a ``PreviewError`` whose
``status`` and ``code`` are what our API answers.
"""

import asyncio
import http.cookiejar
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from django.conf import settings

from .config import service_config
from .netguard import (
    GuardedHTTPTransport,
    GuardedNetworkBackend,
    HostAllowList,
    TargetRefused,
    check_url,
    refused_address,
)
from .transport import per_event_loop, user_agent

READ_CHUNK_BYTES = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MALFORMED_REDIRECT = "The preview host redirected to a malformed URL."
# The services whose answers carry preview URLs: the proxy is on while one of them is.
PREVIEW_SERVICES = ("itunes", "deezer")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)", re.ASCII)


@dataclass(frozen=True)
class AudioType:
    content_type: str  # what we answer
    extension: str  # how the cache names the file


_MP3 = AudioType("audio/mpeg", "mp3")
_MP4 = AudioType("audio/mp4", "m4a")
_AAC = AudioType("audio/aac", "aac")
_OGG = AudioType("audio/ogg", "ogg")
_WAV = AudioType("audio/wav", "wav")
_FLAC = AudioType("audio/flac", "flac")
_WEBM = AudioType("audio/webm", "weba")
# The media types previews arrive with, and the one we answer for each.
AUDIO_TYPES = {
    "audio/mpeg": _MP3,
    "audio/mp3": _MP3,
    "audio/mpeg3": _MP3,
    "audio/x-mpeg": _MP3,
    "audio/mp4": _MP4,
    "audio/m4a": _MP4,
    "audio/x-m4a": _MP4,
    "audio/aac": _AAC,
    "audio/aacp": _AAC,
    "audio/x-aac": _AAC,
    "audio/ogg": _OGG,
    "audio/opus": _OGG,
    "audio/wav": _WAV,
    "audio/wave": _WAV,
    "audio/x-wav": _WAV,
    "audio/flac": _FLAC,
    "audio/x-flac": _FLAC,
    "audio/webm": _WEBM,
}
EXTENSIONS = {audio.extension: audio for audio in AUDIO_TYPES.values()}


class PreviewError(Exception):
    """A preview we cannot serve; ``status`` and ``code`` are our API's answer."""

    status = 502
    code = "upstream_failed"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class PreviewRefused(PreviewError):
    status = 400
    code = "url_refused"


class PreviewTimeout(PreviewError):
    status = 504
    code = "upstream_timeout"


class PreviewTooLarge(PreviewError):
    code = "preview_too_large"


class PreviewNotAudio(PreviewError):
    code = "not_audio"


class RangeNotSatisfiable(PreviewError):
    status = 416
    code = "range_not_satisfiable"

    def __init__(self, detail: str, content_range: str):
        super().__init__(detail)
        self.content_range = content_range


def proxy_enabled() -> bool:
    """Whether previews may be fetched at all: never while the services are off."""
    return bool(
        settings.PREVIEW_PROXY_ENABLED
        and settings.PROVIDERS_ENABLED
        and any(service_config(name).enabled for name in PREVIEW_SERVICES)
    )


def allowed_hosts() -> HostAllowList:
    return HostAllowList(settings.PREVIEW_ALLOWED_HOSTS)


def check_preview_url(url: str) -> str:
    """The URL, normalised, when previews may be fetched from it; PreviewRefused if not."""
    try:
        return check_url(url, allowed_hosts())
    except TargetRefused as exc:
        raise PreviewRefused(str(exc)) from None


def _no_cookies() -> http.cookiejar.CookieJar:
    # One client serves every listener: a cookie one upstream sets must not follow others.
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def build_preview_client(
    network_backend: GuardedNetworkBackend | None = None,
) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=10)
    return httpx.AsyncClient(
        transport=GuardedHTTPTransport(
            network_backend=network_backend or GuardedNetworkBackend(), limits=limits
        ),
        timeout=httpx.Timeout(
            settings.PREVIEW_READ_TIMEOUT_SECONDS,
            connect=settings.PREVIEW_CONNECT_TIMEOUT_SECONDS,
        ),
        headers={"User-Agent": user_agent()},
        cookies=_no_cookies(),
        follow_redirects=False,
        trust_env=False,
    )


preview_client = per_event_loop(build_preview_client)


def _int_header(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


@dataclass
class UpstreamPreview:
    """An accepted upstream answer (200 or 206) whose body has not been read yet."""

    url: str  # after redirects
    status: int
    audio: AudioType
    length: int | None  # bytes of this body, when the upstream declared them
    content_range: str  # for a 206: "bytes first-last/total"
    response: httpx.Response
    deadline: float  # event-loop time by which the body must be in

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; PreviewError when it breaks a rule. Always closes."""
        limit = settings.PREVIEW_MAX_BYTES if self.length is None else self.length
        received = 0
        loop = asyncio.get_running_loop()
        try:
            async for chunk in self.response.aiter_bytes(READ_CHUNK_BYTES):
                received += len(chunk)
                if received > limit:
                    if self.length is None:
                        raise PreviewTooLarge(
                            f"The preview is larger than {settings.PREVIEW_MAX_BYTES} bytes."
                        )
                    raise PreviewError("The preview host sent more than it announced.")
                if loop.time() > self.deadline:
                    raise PreviewTimeout("The preview host is sending too slowly.")
                yield chunk
        except httpx.TimeoutException:
            raise PreviewTimeout("The preview host stopped sending.") from None
        except httpx.HTTPError as exc:
            raise PreviewError(f"The preview download failed ({type(exc).__name__}).") from None
        finally:
            await self.response.aclose()
        if self.length is not None and received != self.length:
            raise PreviewError("The preview host sent less than it announced.")
        if received == 0:
            raise PreviewError("The preview host sent no audio.")

    async def aclose(self) -> None:
        await self.response.aclose()


class PreviewFetcher:
    def __init__(self, client: httpx.AsyncClient | None = None):
        self._client = client

    async def open(self, url: str, *, range_header: str | None = None) -> UpstreamPreview:
        """The upstream answer for ``url`` (normalised and checked here again), body unread.

        ``range_header`` is passed on as it is; a 416 upstream is RangeNotSatisfiable.
        """
        client = self._client or preview_client()
        target = check_preview_url(url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.PREVIEW_TOTAL_TIMEOUT_SECONDS
        headers = {"Accept": "audio/*", "Accept-Encoding": "identity"}
        if range_header:
            headers["Range"] = range_header
        for _hop in range(settings.PREVIEW_MAX_REDIRECTS + 1):
            response = await self._send(client, target, headers, deadline - loop.time())
            if response.status_code not in REDIRECT_STATUSES:
                return await self._accept(target, response, deadline)
            location = response.headers.get("Location", "")
            await response.aclose()
            if not location:
                raise PreviewError("The preview host redirected without saying where.")
            try:
                following = urljoin(target, location)
            except ValueError:  # "http://[/": not a URL at all
                raise PreviewError(MALFORMED_REDIRECT) from None
            try:
                target = check_url(following, allowed_hosts())
            except TargetRefused as exc:
                raise PreviewRefused(
                    f"The preview host redirected to a refused URL: {exc}"
                ) from None
        raise PreviewError("The preview host redirected too many times.")

    async def _send(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], budget: float
    ) -> httpx.Response:
        request = client.build_request("GET", url, headers=headers)
        try:
            async with asyncio.timeout(max(budget, 0)):
                return await client.send(request, stream=True)
        except (TimeoutError, httpx.TimeoutException):
            raise PreviewTimeout("The preview host did not answer in time.") from None
        except httpx.InvalidURL:
            # httpx reads a redirect's Location even when it does not follow it.
            raise PreviewError(MALFORMED_REDIRECT) from None
        except httpx.HTTPError as exc:
            refused = refused_address(exc)
            if refused is not None:
                raise PreviewRefused("The preview host resolves to a non-public address.") from None
            raise PreviewError(
                f"The preview host could not be reached ({type(exc).__name__})."
            ) from None

    async def _accept(self, url: str, response: httpx.Response, deadline: float) -> UpstreamPreview:
        try:
            status = response.status_code
            if status == 416:
                content_range = response.headers.get("Content-Range", "")
                raise RangeNotSatisfiable(
                    "The requested range is not satisfiable.",
                    content_range if re.fullmatch(r"bytes \*/\d+", content_range) else "",
                )
            if status not in (200, 206):
                raise PreviewError(f"The preview host answered HTTP {status}.")
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            audio = AUDIO_TYPES.get(media_type)
            if audio is None:
                raise PreviewNotAudio(
                    f"The preview host sent {media_type or 'no content type'}, not audio."
                )
            encoded = response.headers.get("Content-Encoding", "identity").strip().lower()
            # A decoded body's length is unknown until it is all in.
            length = _int_header(response.headers.get("Content-Length"))
            if encoded not in ("", "identity"):
                length = None
            content_range = ""
            if status == 206:
                content_range = response.headers.get("Content-Range", "")
                match = _CONTENT_RANGE.fullmatch(content_range)
                if match is None:
                    raise PreviewError("The preview host sent a partial answer without a range.")
                first, last, total = (int(value) for value in match.groups())
                if total > settings.PREVIEW_MAX_BYTES:
                    raise PreviewTooLarge(
                        f"The preview is larger than {settings.PREVIEW_MAX_BYTES} bytes."
                    )
                if last < first or last >= total:
                    raise PreviewError("The preview host sent an impossible range.")
                if length is not None and length != last - first + 1:
                    raise PreviewError("The preview host's range and length disagree.")
            if length == 0:
                raise PreviewError("The preview host sent no audio.")
            if length is not None and length > settings.PREVIEW_MAX_BYTES:
                raise PreviewTooLarge(
                    f"The preview is larger than {settings.PREVIEW_MAX_BYTES} bytes."
                )
        except BaseException:
            await response.aclose()
            raise
        return UpstreamPreview(
            url=url,
            status=status,
            audio=audio,
            length=length,
            content_range=content_range,
            response=response,
            deadline=deadline,
        )
