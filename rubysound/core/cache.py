"""Django's built-in Redis cache, counted in django-prometheus's cache metrics.

django-prometheus ships Redis wrappers only for the django-redis package; this keeps the
built-in backend (one Redis client library) and reports the same hit/miss series.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_BACKEND_LABEL = "redis"
_MISSING = object()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool.

    Django builds a new redis.Redis around the pool for every cache call, and redis-py's
    constructor (its response callbacks copied into a case-insensitive dict) costs about as
    much CPU as the call itself: some 50 microseconds, several times per page. A redis.Redis
    is safe to share between threads: each command takes its own connection from the pool.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class InstrumentedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=_BACKEND_LABEL).inc()
        try:
            value = super().get(key, _MISSING, version=version)
        except Exception:
            django_cache_get_fail_total.labels(backend=_BACKEND_LABEL).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=_BACKEND_LABEL).inc()
            return default
        django_cache_hits_total.labels(backend=_BACKEND_LABEL).inc()
        return value
