"""The Redis cache backend: Django's client with one redis.Redis per pool, shared by threads."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


def test_every_call_uses_the_same_client_on_the_same_pool():
    client = cache._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True).connection_pool is client.get_client().connection_pool


def test_threads_sharing_the_client_each_read_their_own_values():
    def round_trip(number: int) -> tuple:
        key = f"shared-client-{number}"
        results = []
        for round_number in range(20):
            value = {"thread": number, "round": round_number}
            cache.set(key, value, 30)
            results.append(cache.get(key) == value)
        cache.delete(key)
        return number, all(results)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = dict(pool.map(round_trip, range(16)))
    assert outcomes == dict.fromkeys(range(16), True)


def test_hits_and_misses_are_still_counted():
    from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

    hits = django_cache_hits_total.labels(backend="redis")
    misses = django_cache_misses_total.labels(backend="redis")
    hits_before, misses_before = hits._value.get(), misses._value.get()
    cache.set("counted", 1, 30)
    assert cache.get("counted") == 1
    assert cache.get("never-set", "fallback") == "fallback"
    assert hits._value.get() == hits_before + 1
    assert misses._value.get() == misses_before + 1
