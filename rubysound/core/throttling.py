"""DRF's throttles with counters that hold under concurrency.

DRF's ``SimpleRateThrottle`` reads a request history from the cache, decides and writes it
back: concurrent requests all read the same history and all pass. These classes keep DRF's
rates (``"600/min"``), scopes, cache keys and sliding window, and its 429 answer with
``Retry-After``, but decide in one atomic step:

- on Redis, a Lua script prunes, counts and records the request in one call (a sorted set
  of request times per key, on Redis's clock, so every worker and host counts alike);
- on any other cache (the embedded local-memory one) under a lock of the process. That
  cache is the process's own: with several worker processes each one counts on its own,
  so a limit holds per process. Run several workers only with Redis.

When Redis fails the throttles fail open: the request goes through, counted in
``rubysound_throttle_failed_open_total`` and logged (at most once a minute), because a rate
limit is not worth refusing service over.
"""

import threading
import uuid
import weakref

import redis
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from prometheus_client import Counter
from redis.commands.core import Script
from rest_framework import throttling

from .redis_outage import FAILURES, RateLimitedWarning, outage

failed_open = Counter(
    "rubysound_throttle_failed_open_total",
    "Requests let through without a rate-limit check because Redis failed, by scope.",
    ["scope"],
)
_failed_open_warning = RateLimitedWarning("throttle failed open: Redis unavailable")

# KEYS[1]: the key; ARGV: window (s), limit, a unique member. Returns {1} when the request
# is let through, else {0, when the oldest request that still counts was made, now}.
_SLIDING_WINDOW = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
    return {1}
end
local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {0, oldest[2], tostring(now)}
"""

# The local-memory cache is one per process; so is this lock.
_local_lock = threading.Lock()
# The script registered once per Redis client (sent by its SHA1 after the first call).
_scripts: weakref.WeakKeyDictionary[redis.Redis, Script] = weakref.WeakKeyDictionary()


def _sliding_window(client: redis.Redis) -> Script:
    script = _scripts.get(client)
    if script is None:
        script = _scripts.setdefault(client, client.register_script(_SLIDING_WINDOW))
    return script


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    """``allow_request`` of DRF's rate throttles, decided atomically (see the module)."""

    _wait: float | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # DRF's default is the proxy to the current thread's default cache.
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        if isinstance(backend, RedisCache):
            allowed, self._wait = self._decide_on_redis(backend)
        else:
            allowed, self._wait = self._decide_locally()
        return allowed

    def wait(self):
        return self._wait

    def _decide_on_redis(self, backend: RedisCache) -> tuple[bool, float | None]:
        cache_outage = outage("cache")
        if cache_outage.skip():
            return self._fail_open(None)
        key = backend.make_and_validate_key(self.key)
        client = backend._cache.get_client(key, write=True)
        try:
            reply = _sliding_window(client)(
                keys=[key], args=[self.duration, self.num_requests, uuid.uuid4().hex]
            )
        except FAILURES as exc:
            cache_outage.failed(exc)
            return self._fail_open(exc)
        cache_outage.succeeded()
        if reply[0] == 1:
            return True, None
        oldest, now = float(reply[1]), float(reply[2])
        return False, max(oldest + self.duration - now, 0.0)

    def _decide_locally(self) -> tuple[bool, float | None]:
        with _local_lock:
            self.now = self.timer()
            self.history = self.cache.get(self.key, [])  # newest first, as DRF keeps it
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                # Free again when the request that fills the limit leaves the window (with
                # a lowered rate, more than the limit may still be in it).
                filling = self.history[self.num_requests - 1]
                return False, max(filling + self.duration - self.now, 0.0)
            self.history.insert(0, self.now)
            self.cache.set(self.key, self.history, self.duration)
            return True, None

    def _fail_open(self, exc: BaseException | None) -> tuple[bool, None]:
        failed_open.labels(self.scope or "unknown").inc()
        _failed_open_warning.log(
            scope=self.scope, error=f"{type(exc).__name__}: {exc}" if exc else "skipped"
        )
        return True, None


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    """Anonymous requests, per client address (scope ``anon``)."""


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    """Signed-in requests per user, anonymous ones per address (scope ``user``)."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    """Requests to views with a ``throttle_scope`` (``auth``, ``comments``), per user or
    address. DRF's class picks the scope's rate, then asks ``AtomicRateThrottle``."""
