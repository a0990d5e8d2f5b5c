"""Django's built-in Redis cache, counted in django-prometheus's cache metrics, and passing
over Redis when it is unreachable or slow.

django-prometheus ships Redis wrappers only for the django-redis package; this keeps the
built-in backend (one Redis client library) and reports the same hit/miss series.

When a call to Redis fails (see ``rubysound.core.redis_outage``) the cache behaves as an
empty one that keeps nothing: reads are misses, writes and deletes are skipped, ``add``
answers True (a caller using it as a lock goes ahead, uncoordinated, rather than wait for a
lock nobody can take), ``incr`` finds no key. Writes and deletes skipped meanwhile are not
replayed: what was cached before the outage may be read again after it, until it expires,
so nothing that must not be stale (sessions, for one) is kept only in the cache.
"""

import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from prometheus_client import Histogram

from .redis_outage import FAILURES, outage

_BACKEND_LABEL = "redis"
_MISSING = object()
# One connection pool (and one redis.Redis around it) per server and options, for the process.
_SHARED_POOLS: dict = {}
_SHARED_CLIENTS: dict = {}
# What the client's ``get`` answers when Redis could not be asked.
PASSED_OVER = object()


# django-prometheus counts cache calls but does not time them; a call passed over (Redis
# down moments ago) is not timed, one that fails is.
cache_call_seconds = Histogram(
    "rubysound_cache_call_seconds",
    "Time of one call to the Redis cache, by operation.",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


def _passing_over(fallback, method, *args):
    """``method(*args)``, or ``fallback`` when Redis failed (or failed moments ago)."""
    cache_outage = outage("cache")
    if cache_outage.skip():
        return fallback
    started = time.perf_counter()
    try:
        result = method(*args)
    except FAILURES as exc:
        cache_outage.failed(exc)
        return fallback
    finally:
        cache_call_seconds.labels(method.__name__).observe(time.perf_counter() - started)
    cache_outage.succeeded()
    return result


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool, and passing over a
    Redis that fails.

    Django builds a new redis.Redis around the pool for every cache call, and redis-py's
    constructor (its response callbacks copied into a case-insensitive dict) costs about as
    much CPU as the call itself: some 50 microseconds, several times per page. A redis.Redis
    is safe to share between threads: each command takes its own connection from the pool.
    """

    def _get_connection_pool(self, write):
        """The process's one pool for this server and these options.

        Django's cache handler keeps a cache object per context (each request gets new
        ones), and each object built its own pools: every request opened fresh connections
        to Redis (connect, HELLO, health check) and dropped them, about a fifth of a signed-in
        request's time. redis-py's pools are thread-safe and notice a fork.
        """
        index = self._get_connection_pool_index(write)
        key = (self._servers[index], repr(sorted(self._pool_options.items())))
        pool = _SHARED_POOLS.get(key)
        if pool is None:
            pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
            pool = _SHARED_POOLS.setdefault(key, pool)
        return pool

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = _SHARED_CLIENTS.get(pool)
        if client is None:
            client = _SHARED_CLIENTS.setdefault(pool, self._client(connection_pool=pool))
        return client

    def add(self, key, value, timeout):
        return _passing_over(True, super().add, key, value, timeout)

    def get(self, key, default):
        return _passing_over(PASSED_OVER, super().get, key, default)

    def set(self, key, value, timeout):
        _passing_over(None, super().set, key, value, timeout)

    def touch(self, key, timeout):
        return _passing_over(False, super().touch, key, timeout)

    def delete(self, key):
        return _passing_over(False, super().delete, key)

    def get_many(self, keys):
        return _passing_over({}, super().get_many, keys)

    def has_key(self, key):
        return _passing_over(False, super().has_key, key)

    def incr(self, key, delta):
        result = _passing_over(PASSED_OVER, super().incr, key, delta)
        if result is PASSED_OVER:
            raise ValueError(f"Key '{key}' not found (Redis unavailable).")
        return result

    def set_many(self, data, timeout):
        _passing_over(None, super().set_many, data, timeout)

    def delete_many(self, keys):
        _passing_over(None, super().delete_many, keys)

    def clear(self):
        return _passing_over(False, super().clear)

    def clear_prefix(self, prefix):
        """Delete the cache keys made with ``prefix``, ``<prefix>:<version>:<key>``, by SCAN
        so that Redis never blocks on one big KEYS."""

        def delete_matching():
            client = self.get_client(write=True)
            batch, deleted = [], 0
            for key in client.scan_iter(match=f"{_glob_escape(prefix)}:[0-9]*", count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    deleted += client.delete(*batch)
                    batch.clear()
            if batch:
                deleted += client.delete(*batch)
            return deleted > 0

        return _passing_over(False, delete_matching)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


class InstrumentedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def clear(self):
        """Only this site's cache entries. Django's ``clear`` is FLUSHDB, which would also drop
        the Channels layer's groups (same Redis, ``<prefix>:asgi``) and whatever else shares
        the database: another deployment with its own CACHE_KEY_PREFIX, for one."""
        if not self.key_prefix:
            return self._cache.clear()
        return self._cache.clear_prefix(self.key_prefix)

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=_BACKEND_LABEL).inc()
        value = super().get(key, _MISSING, version=version)
        if value is PASSED_OVER:
            django_cache_get_fail_total.labels(backend=_BACKEND_LABEL).inc()
            return default
        if value is _MISSING:
            django_cache_misses_total.labels(backend=_BACKEND_LABEL).inc()
            return default
        django_cache_hits_total.labels(backend=_BACKEND_LABEL).inc()
        return value
