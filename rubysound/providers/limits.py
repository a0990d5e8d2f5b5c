"""How much we ask of each service at once and how often.

Concurrency: at most PROVIDERS_MAX_CONCURRENCY requests in flight per service and event
loop (one loop per uvicorn worker), so one slow service cannot take every pooled connection.

Rate: services listed in PROVIDERS_MIN_INTERVAL_SECONDS (MusicBrainz: one request a second
per client) get their requests spaced. Within a process the spacing is exact (each request
reserves the next free slot). Across processes sharing the Django cache (Redis), each request
also claims a one-interval window with ``cache.add``; a window another process holds moves
the request to the next one. When the cache is unreachable the local spacing still holds.
"""

import asyncio
import logging
import math
import threading
import time
import weakref

from django.conf import settings
from django.core.cache import caches

from . import budget
from .errors import DeadlineExceeded

logger = logging.getLogger("rubysound.providers")

# How many later windows a request tries when other processes hold the next ones.
_MAX_WINDOW_TRIES = 30

_semaphores: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]]"
_semaphores = weakref.WeakKeyDictionary()


def concurrency_slot(service: str) -> asyncio.Semaphore:
    """The running loop's semaphore for ``service``."""
    loop = asyncio.get_running_loop()
    per_service = _semaphores.setdefault(loop, {})
    semaphore = per_service.get(service)
    if semaphore is None:
        semaphore = per_service[service] = asyncio.Semaphore(
            max(1, settings.PROVIDERS_MAX_CONCURRENCY)
        )
    return semaphore


class RateLimiter:
    """Spaces the requests to one service at least ``interval`` seconds apart."""

    def __init__(self, service: str, interval: float, *, shared: bool = True):
        self.service = service
        self.interval = interval
        self.shared = shared
        self._lock = threading.Lock()
        self._next_free = 0.0  # time.monotonic() of the next free slot in this process

    def _reserve(self, remaining: float | None) -> float:
        """Reserves this process's next slot and returns the seconds until it."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_free)
            wait = slot - now
            if remaining is not None and wait > remaining:
                raise DeadlineExceeded(self.service, "rate limit slot beyond the deadline")
            self._next_free = slot + self.interval
            return wait

    async def _claim_shared_window(self, earliest_wall: float, remaining: float | None) -> float:
        """Claims the first window from ``earliest_wall`` no other process holds and returns
        the wall-clock time it starts."""
        cache = caches["default"]
        first = math.floor(earliest_wall / self.interval)
        for index in range(first, first + _MAX_WINDOW_TRIES):
            start = max(earliest_wall, index * self.interval)
            if remaining is not None and start - time.time() > remaining:
                raise DeadlineExceeded(self.service, "rate limit slot beyond the deadline")
            key = f"providers:rate:{self.service}:{index}"
            # Kept a little past the window, so a late process cannot claim it again.
            if await cache.aadd(key, 1, timeout=math.ceil(self.interval * 2) + 1):
                return start
        raise DeadlineExceeded(self.service, "no free rate limit window")

    async def wait(self) -> None:
        """Returns when a request may be sent; raises DeadlineExceeded when that would be
        after the current deadline."""
        wait = self._reserve(budget.remaining())
        if self.shared:
            try:
                start = await self._claim_shared_window(time.time() + wait, budget.remaining())
                wait = max(wait, start - time.time())
            except DeadlineExceeded:
                raise
            except Exception as exc:
                # The cache being down must not stop provider calls; local spacing holds.
                logger.warning(
                    "provider rate limit cache unavailable",
                    extra={"service": self.service, "error": type(exc).__name__},
                )
        if wait > 0:
            await asyncio.sleep(wait)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def rate_limiter(service: str) -> RateLimiter | None:
    """The process's limiter for ``service``, or None when the service has no rate limit."""
    interval = settings.PROVIDERS_MIN_INTERVAL_SECONDS.get(service, 0)
    if not interval or interval <= 0:
        return None
    with _limiters_lock:
        limiter = _limiters.get(service)
        if limiter is None or limiter.interval != interval:
            limiter = _limiters[service] = RateLimiter(service, interval)
        return limiter


def reset_limits() -> None:
    """Forgets every limiter and semaphore (tests)."""
    with _limiters_lock:
        _limiters.clear()
    _semaphores.clear()
