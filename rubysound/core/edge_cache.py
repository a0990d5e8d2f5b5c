"""An in-process cache of public responses, in front of Django.

Django's ASGI handler costs a few milliseconds of CPU per request (a thread per request,
thread hops in every middleware), which caps one worker at a few hundred requests per
second. Public, cacheable routes (charts, search, schema) are answered here instead.

The rules are deliberately narrow so that nothing personal is ever served to someone else:
- only GET and HEAD requests without a Cookie, Authorization or Range header are looked up or
  stored;
- only 200 responses whose Cache-Control says ``public`` with a positive ``max-age`` or
  ``s-maxage``, with no Set-Cookie, and whose Vary names only headers in the key, are stored;
- an entry lives for that max-age (capped by EDGE_CACHE_MAX_TTL), and the cache is bounded in
  entries and bytes (least recently used entries go first).

Concurrent misses for one key wait for the first one instead of all reaching Django.
"""

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from prometheus_client import Counter

# Request headers a cached response may vary on; they are part of every key.
KEY_HEADERS = (b"accept", b"accept-encoding", b"accept-language", b"origin")
# Also in the key, though responses do not declare them: absolute URLs depend on the host,
# and an HTTP request must still reach Django to be redirected to HTTPS.
ROUTING_HEADERS = (b"host", b"x-forwarded-proto")
_VARY_ALLOWED = {name.decode() for name in KEY_HEADERS} | {"cookie", "authorization"}
_PERSONAL_HEADERS = {b"cookie", b"authorization"}
# A ranged request wants part of a body (206); a stored full response is not its answer.
_BYPASS_HEADERS = _PERSONAL_HEADERS | {b"range"}
_MEDIA_TYPES = (b"audio/", b"video/")
COALESCE_WAIT_SECONDS = 5.0

edge_cache_requests = Counter(
    "rubysound_edge_cache_requests_total",
    "Requests seen by the public response cache, by result.",
    ["result"],
)


@dataclass
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored_at: float
    expires_at: float


def _cache_control_ttl(headers: list[tuple[bytes, bytes]]) -> int:
    """Seconds a response may be shared for, or 0 when it must not be shared."""
    directives: dict[str, str] = {}
    for name, value in headers:
        if name.lower() == b"cache-control":
            for part in value.decode("latin1").split(","):
                key, _, arg = part.strip().partition("=")
                directives[key.lower()] = arg.strip('"')
    if "public" not in directives:
        return 0
    if {"private", "no-store", "no-cache"} & directives.keys():
        return 0
    for directive in ("s-maxage", "max-age"):
        if directive in directives:
            try:
                return max(0, int(directives[directive]))
            except ValueError:
                return 0
    return 0


def _storable(status: int, headers: list[tuple[bytes, bytes]]) -> int:
    if status != 200:
        return 0
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"set-cookie":
            return 0
        if lowered == b"content-type" and value.lower().startswith(_MEDIA_TYPES):
            # Audio and video belong to the HTTP caches in front of us, not this process's
            # memory, where a few tracks would push out thousands of JSON answers.
            return 0
        if lowered == b"vary":
            varies = {v.strip().lower() for v in value.decode("latin1").split(",")}
            if not varies <= _VARY_ALLOWED:
                return 0
    return min(_cache_control_ttl(headers), settings.EDGE_CACHE_MAX_TTL)


class PublicResponseCache:
    def __init__(self, app):
        self.app = app
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._in_flight: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not settings.EDGE_CACHE_ENABLED
        ):
            return await self.app(scope, receive, send)
        request_headers = dict(scope.get("headers") or [])
        if _BYPASS_HEADERS & request_headers.keys():
            edge_cache_requests.labels("bypass").inc()
            return await self.app(scope, receive, send)

        key = (
            scope.get("scheme", "http"),
            scope["path"],
            scope.get("query_string", b""),
            *(request_headers.get(name, b"") for name in (*ROUTING_HEADERS, *KEY_HEADERS)),
        )
        is_head = scope["method"] == "HEAD"
        entry = self._fresh(key)
        waiting = self._in_flight.get(key)
        if entry is None and waiting is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.wait(), COALESCE_WAIT_SECONDS)
            entry = self._fresh(key)
        if entry is not None:
            edge_cache_requests.labels("hit").inc()
            return await self._replay(entry, send, head_only=is_head)

        edge_cache_requests.labels("miss").inc()
        if is_head:
            # A HEAD response carries no body to store.
            return await self.app(scope, receive, send)
        if key in self._in_flight:
            # The first request is still running after our wait: go to Django as well.
            return await self._fetch_and_store(key, scope, receive, send, release=None)
        event = asyncio.Event()
        self._in_flight[key] = event

        def release() -> None:
            # Waiters are let go as soon as it is clear nothing will be stored (a stream, a
            # private or oversized response), not when a long response finally ends.
            if self._in_flight.get(key) is event:
                del self._in_flight[key]
            event.set()

        try:
            await self._fetch_and_store(key, scope, receive, send, release=release)
        finally:
            release()

    def _fresh(self, key) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            self._evict(key)
            return None
        self._entries.move_to_end(key)
        return entry

    async def _replay(self, entry: CachedResponse, send, *, head_only: bool) -> None:
        age = str(int(time.monotonic() - entry.stored_at)).encode()
        headers = [*entry.headers, (b"age", age), (b"x-cache", b"HIT")]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else entry.body})

    async def _fetch_and_store(self, key, scope, receive, send, *, release) -> None:
        start: dict = {}
        chunks: list[bytes] = []
        size = 0
        capturing = True
        max_body = settings.EDGE_CACHE_MAX_BODY_BYTES

        async def capture(message):
            nonlocal size, capturing
            if message["type"] == "http.response.start":
                start.update(message)
                capturing = _storable(message["status"], message.get("headers", [])) > 0
                if not capturing and release:
                    release()
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-cache", b"MISS")],
                }
            elif message["type"] == "http.response.body" and capturing:
                body = message.get("body", b"")
                size += len(body)
                if size > max_body:
                    capturing = False
                    chunks.clear()
                    if release:
                        release()
                else:
                    chunks.append(body)
                if not message.get("more_body", False) and capturing:
                    self._store(key, start, b"".join(chunks))
                    if release:
                        release()
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key, start: dict, body: bytes) -> None:
        headers = start.get("headers", [])
        ttl = _storable(start["status"], headers)
        if ttl <= 0:
            return
        now = time.monotonic()
        self._evict(key)
        self._entries[key] = CachedResponse(start["status"], headers, body, now, now + ttl)
        self._bytes += len(body)
        while self._entries and (
            len(self._entries) > settings.EDGE_CACHE_MAX_ENTRIES
            or self._bytes > settings.EDGE_CACHE_MAX_BYTES
        ):
            self._evict(next(iter(self._entries)))

    def _evict(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)
