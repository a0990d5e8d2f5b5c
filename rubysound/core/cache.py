"""Django's built-in Redis cache, counted in django-prometheus's cache metrics.

django-prometheus ships Redis wrappers only for the django-redis package; this keeps the
built-in backend (one Redis client library) and reports the same hit/miss series.
"""

from django.core.cache.backends.redis import RedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_BACKEND_LABEL = "redis"
_MISSING = object()


class InstrumentedRedisCache(RedisCache):
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
