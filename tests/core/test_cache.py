"""The Redis cache backend: Django's client with one redis.Redis per pool, shared by threads."""

import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache, caches

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


def test_each_call_to_redis_is_timed_by_operation():
    from prometheus_client import REGISTRY

    def count(operation: str) -> float:
        labels = {"operation": operation}
        return REGISTRY.get_sample_value("rubysound_cache_call_seconds_count", labels) or 0

    gets, sets = count("get"), count("set")
    cache.set("timed", 1, 30)
    cache.get("timed")
    cache.get("timed")
    assert count("get") == gets + 2
    assert count("set") == sets + 1


def test_clearing_the_cache_leaves_the_rest_of_the_redis_database_alone():
    """``cache.clear()`` used to be FLUSHDB: it dropped the Channels layer's groups (and
    any other deployment's cache sharing the database) along with our own entries."""
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHE_KEY_PREFIX
    neighbours = {f"{prefix}:asgi:group:listeners": "layer", f"{prefix}-other:1:page": "theirs"}
    for key, value in neighbours.items():
        client.set(key, value, ex=30)
    cache.set_many({"page": "ours", "search": "ours too"}, 30)
    cache.set("older", "ours", 30, version=2)
    try:
        assert cache.clear() is True
        assert cache.get_many(["page", "search"]) == {}
        assert cache.get("older", version=2) is None
        assert {key: client.get(key).decode() for key in neighbours} == neighbours
        # Nothing left to delete: clearing again still empties, it has just nothing to do.
        assert cache.clear() is False
    finally:
        client.delete(*neighbours)


def test_a_prefix_with_glob_characters_clears_only_itself():
    client = cache._cache
    lookalike = "rs[x]:1:key"
    client.get_client(write=True).set(lookalike, "kept", ex=30)
    client.get_client(write=True).set("rs[x]*:1:key", "gone", ex=30)
    try:
        assert client.clear_prefix("rs[x]*") is True
        assert client.get_client().get(lookalike) == b"kept"
        assert client.get_client().get("rs[x]*:1:key") is None
    finally:
        client.get_client(write=True).delete(lookalike)


def test_each_request_s_cache_object_reuses_the_process_s_connections():
    # Django's cache handler keeps cache objects per context, and each request runs in a
    # context of its own (a fresh one here): they must share one pool of connections, or
    # every request opens (and drops) new connections to Redis.
    def one_request(number: int):
        caches["default"].set(f"per-request-{number}", number, 30)
        return caches["default"]._cache.get_client(write=True).connection_pool

    pools = [contextvars.Context().run(one_request, number) for number in range(5)]
    assert all(pool is pools[0] for pool in pools)
    assert caches["default"].get("per-request-4") == 4
