"""What a Redis client does when Redis is unreachable or slow: passes over it, says so once.

Redis holds our cache, throttle counters, presence entries and the channel layer's groups;
none of them is the record of anything. So a call that fails is passed over by its caller
(a cache read is a miss, a write is skipped, a throttle lets the request through, a group
message is dropped) and reported here:

- ``rubysound_redis_errors_total{component}`` counts the failed calls and
  ``rubysound_redis_skipped_total{component}`` the calls not even tried;
- one warning when a component first fails, then at most one a minute while it keeps
  failing (with how many failures it stood for), and one line when it works again;
- after a connection error or a timeout the component leaves Redis alone for
  ``REDIS_RETRY_AFTER_MS``: a request does not wait out a timeout per cache call, and a
  dead Redis is not hammered. The first call after that tries again, so recovery needs
  no restart.

``/health/ready`` is the one place that reports Redis down (503).
"""

import logging
import threading
import time

import redis.exceptions
from django.conf import settings
from prometheus_client import Counter

logger = logging.getLogger("rubysound.redis")

# Redis cannot be reached or did not answer in time: leave it alone for a moment.
UNAVAILABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    TimeoutError,
    OSError,
)
# Anything Redis may answer instead of doing the work (out of memory, read-only replica,
# ...) is passed over too, but does not stop the next call from trying.
FAILURES = (redis.exceptions.RedisError, *UNAVAILABLE)

LOG_EVERY_SECONDS = 60.0

redis_errors = Counter(
    "rubysound_redis_errors_total",
    "Calls to Redis that failed and were passed over (a cache miss, a skipped write, a "
    "throttle let through, a group message dropped), by component.",
    ["component"],
)
redis_skipped = Counter(
    "rubysound_redis_skipped_total",
    "Calls not made to Redis because it failed moments before, by component.",
    ["component"],
)


class RateLimitedWarning:
    """A warning logged at most once per interval; the ones held back are counted in the next."""

    def __init__(self, message: str, *, every: float = LOG_EVERY_SECONDS):
        self.message = message
        self.every = every
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._held_back = 0

    def log(self, *, first: bool = False, **extra) -> None:
        now = time.monotonic()
        with self._lock:
            if not first and now - self._last < self.every:
                self._held_back += 1
                return
            held_back, self._held_back = self._held_back, 0
            self._last = now
        logger.warning(self.message, extra={**extra, "held_back": held_back})


class RedisOutage:
    """One component's view of Redis (each process has one per component)."""

    def __init__(self, component: str):
        self.component = component
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self._retry_at = 0.0
        self._warning = RateLimitedWarning("redis unavailable, passed over")

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def retry_in(self) -> float:
        """Seconds until Redis may be tried again (0: now)."""
        return max(0.0, self._retry_at - time.monotonic())

    def skip(self) -> bool:
        """Whether to pass over Redis without trying (it failed moments ago); counted."""
        if self._failing_since is None or time.monotonic() >= self._retry_at:
            return False
        redis_skipped.labels(self.component).inc()
        return True

    def failed(self, exc: BaseException) -> None:
        redis_errors.labels(self.component).inc()
        now = time.monotonic()
        with self._lock:
            first = self._failing_since is None
            if first:
                self._failing_since = now
            if isinstance(exc, UNAVAILABLE):
                self._retry_at = now + settings.REDIS_RETRY_AFTER_MS / 1000
        self._warning.log(
            first=first, component=self.component, error=f"{type(exc).__name__}: {exc}"
        )

    def succeeded(self) -> bool:
        """Records a call that worked; True when it ends an outage."""
        if self._failing_since is None:  # the common case, without the lock
            return False
        with self._lock:
            since, self._failing_since = self._failing_since, None
            self._retry_at = 0.0
        if since is None:
            return False
        logger.warning(
            "redis available again",
            extra={"component": self.component, "after_s": round(time.monotonic() - since, 1)},
        )
        return True


_outages: dict[str, RedisOutage] = {}
_outages_lock = threading.Lock()


def outage(component: str) -> RedisOutage:
    """The process's record for ``component`` ("cache", "channel_layer", "presence")."""
    found = _outages.get(component)
    if found is None:
        with _outages_lock:
            found = _outages.setdefault(component, RedisOutage(component))
    return found


def client_options() -> dict:
    """Socket timeouts for a redis-py client of ours: a slow Redis costs a request a
    fraction of a second, not redis-py's default of 5 s per command."""
    return {
        "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT_MS / 1000,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT_MS / 1000,
    }
