"""The Redis cache and the throttles with Redis stopped: misses, skipped writes, throttles
failing open (counted and logged once), and Redis used again when it is back.

A Redis of the test's own (tests/redis_server.py), on either backend of the suite.
"""

import asyncio
import logging
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from rubysound.core import redis_outage
from tests.redis_server import redis_server

RETRY_AFTER_MS = 50


@pytest.fixture
def redis(settings):
    settings.REDIS_RETRY_AFTER_MS = RETRY_AFTER_MS
    with redis_server() as server:
        cache = {
            "BACKEND": "rubysound.core.cache.InstrumentedRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "cache-outage",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        # Restored before this Redis stops: the suite clears its own cache after the test.
        with override_settings(CACHES={"default": cache}):
            yield server
            # Leaves the process's record of the cache as it found it: working.
            if server.process.poll() is not None:
                server.start()
            wait_for_cache_to_work()


def wait_for_cache_to_work(deadline_seconds: float = 10) -> None:
    cache = caches["default"]
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        cache.set("probe", "here", 30)
        if cache.get("probe") == "here":
            return
        time.sleep(RETRY_AFTER_MS / 1000)
    raise AssertionError("the cache did not use Redis again")


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_with_redis_stopped_the_cache_is_an_empty_one_that_keeps_nothing(redis):
    cache = caches["default"]
    cache.set("kept", "before", 30)
    redis.stop()
    errors_before = metric("rubysound_redis_errors_total", component="cache")

    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.get_or_set("computed", lambda: "fresh") == "fresh"
    cache.set("written", 1, 30)
    cache.set_many({"a": 1, "b": 2}, 30)
    cache.delete("kept")
    cache.delete_many(["a", "b"])
    assert cache.add("lock", "mine", 5) is True  # a lock nobody can take: go ahead
    assert cache.has_key("kept") is False
    assert cache.touch("kept", 30) is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert metric("rubysound_redis_errors_total", component="cache") > errors_before


def test_after_a_failure_redis_is_left_alone_for_a_moment_then_used_again(redis):
    cache = caches["default"]
    redis.stop()
    cache.get("anything")  # fails: Redis is left alone for REDIS_RETRY_AFTER_MS
    skipped_before = metric("rubysound_redis_skipped_total", component="cache")
    errors_before = metric("rubysound_redis_errors_total", component="cache")
    cache.get("anything")
    assert metric("rubysound_redis_skipped_total", component="cache") == skipped_before + 1
    assert metric("rubysound_redis_errors_total", component="cache") == errors_before

    redis.start()
    wait_for_cache_to_work()
    assert redis_outage.outage("cache").failing is False
    with redis.client() as client:
        assert client.keys("cache-outage:*")


def test_the_async_api_passes_over_redis_too(redis):
    cache = caches["default"]
    redis.stop()

    async def calls():
        await cache.aset("k", 1, 30)
        return await cache.aget("k", "fallback"), await cache.aadd("k", 2, 5)

    assert asyncio.run(calls()) == ("fallback", True)


@pytest.mark.django_db
def test_throttles_fail_open_with_one_warning_and_a_count(redis, settings, caplog):
    settings.THROTTLE_ENABLED = True
    client = APIClient()
    assert client.get("/api/genres/").status_code == 200  # counted in Redis
    with redis.client() as direct:
        assert direct.keys("cache-outage:*throttle_anon_*")
    redis.stop()
    opened_before = metric("rubysound_throttle_failed_open_total", scope="anon")
    with caplog.at_level(logging.WARNING, logger="rubysound.redis"):
        statuses = {client.get("/api/genres/").status_code for _ in range(5)}
    assert statuses == {200}
    # Both throttles (anon, user) of each request let it through unchecked.
    assert metric("rubysound_throttle_failed_open_total", scope="anon") == opened_before + 5
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("redis unavailable, passed over") == 1
    # Once a minute at most, whichever test of the process made the first.
    assert messages.count("throttle failed open: Redis unavailable") <= 1
