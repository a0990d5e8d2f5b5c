"""The provider cache on the real Django cache (local memory, or Redis when REDIS_URL is set):
keys, lifetimes, stampede protection and stale-while-revalidate."""

import asyncio
import pickle

import pytest
from django.core.cache import caches
from django.test import override_settings

from rubysound.providers import cache as provider_cache
from rubysound.providers import deadline
from rubysound.providers.cache import CachePolicy, cache_key, cached, wait_for_refreshes
from rubysound.providers.errors import DeadlineExceeded, ErrorKind, ProviderError
from rubysound.providers.types import TrackInfo
from tests.waiting import async_wait_until

POLICY = CachePolicy(hit_seconds=100, miss_seconds=10, error_seconds=2)
CHART = CachePolicy(hit_seconds=100, miss_seconds=10, error_seconds=5, stale_seconds=1000)


class Clock:
    """The cache's freshness clock, moved by the test (Django's own expiry is longer)."""

    def __init__(self, monkeypatch):
        self.now = 1_900_000_000.0
        monkeypatch.setattr(provider_cache, "_now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


class Fetch:
    """A provider call that counts how often it is made."""

    def __init__(self, *results, pause: float = 0.0, gate: asyncio.Event | None = None):
        self.results = list(results)
        self.calls = 0
        self.started = asyncio.Event()
        self.pause = pause
        self.gate = gate

    async def __call__(self):
        self.calls += 1
        self.started.set()
        if self.pause:
            await asyncio.sleep(self.pause)
        if self.gate is not None:
            await self.gate.wait()
        result = self.results[min(self.calls, len(self.results)) - 1]
        if isinstance(result, BaseException):
            raise result
        return result


def _tracks(count: int) -> list[TrackInfo]:
    return [
        TrackInfo(name=f"Song {n}", artist="Cher", source="lastfm", listeners=n, tags=("pop",))
        for n in range(count)
    ]


# --- Keys -------------------------------------------------------------------------------


def test_the_key_names_service_and_method_and_is_versioned():
    key = cache_key(("lastfm", "track.search", {"q": "believe"}))
    assert key.startswith("providers:v1:lastfm:track.search:")


@pytest.mark.parametrize(
    ("changed", "value"),
    [("q", "believe!"), ("page", 2), ("page_size", 50), ("limit", 10), ("lang", "ru")],
)
def test_every_parameter_is_in_the_key(changed, value):
    params = {"q": "believe", "page": 1, "page_size": 30, "limit": 30, "lang": "en"}
    other = {**params, changed: value}
    assert cache_key(("lastfm", "track.search", params)) != cache_key(
        ("lastfm", "track.search", other)
    )


def test_parameter_order_does_not_matter_but_position_does():
    assert cache_key(("wikipedia", "bio", {"name": "Cher", "lang": "fr"})) == cache_key(
        ("wikipedia", "bio", {"lang": "fr", "name": "Cher"})
    )
    assert cache_key(("lastfm", "chart", 1, 50)) != cache_key(("lastfm", "chart", 50, 1))
    assert cache_key(("lastfm", "track.search", {})) != cache_key(("lastfm", "artist.search", {}))
    assert cache_key(("lastfm", "x", {})) != cache_key(("deezer", "x", {}))


def test_odd_characters_stay_out_of_the_readable_part():
    key = cache_key(("last fm\n", "track search", "Sigur Rós"))
    assert " " not in key
    assert "\n" not in key


async def test_a_different_page_size_is_a_different_answer():
    # The old bug: a 10-item answer served to a caller asking for 50.
    params = {"q": "cher", "page": 1}
    ten = Fetch(_tracks(10))
    fifty = Fetch(_tracks(50))
    assert len(await cached(("lastfm", "track.search", {**params, "limit": 10}), ten, POLICY)) == 10
    assert (
        len(await cached(("lastfm", "track.search", {**params, "limit": 50}), fifty, POLICY)) == 50
    )
    assert (ten.calls, fifty.calls) == (1, 1)


# --- Hits, misses and errors ----------------------------------------------------------------


async def test_a_hit_is_served_from_the_cache_as_equal_dataclasses(clock):
    fetch = Fetch(_tracks(3))
    first = await cached(("lastfm", "track.search", {"q": "cher"}), fetch, POLICY)
    clock.now += 99
    second = await cached(("lastfm", "track.search", {"q": "cher"}), fetch, POLICY)
    assert fetch.calls == 1
    assert second == first == _tracks(3)
    clock.now += 2
    await cached(("lastfm", "track.search", {"q": "cher"}), fetch, POLICY)
    assert fetch.calls == 2


async def test_an_empty_answer_is_kept_for_the_miss_lifetime(clock):
    fetch = Fetch([], _tracks(1))
    assert await cached(("deezer", "search", "nobody"), fetch, POLICY) == []
    clock.now += 9
    assert await cached(("deezer", "search", "nobody"), fetch, POLICY) == []
    assert fetch.calls == 1
    clock.now += 2  # past the miss lifetime, well before a hit's
    assert len(await cached(("deezer", "search", "nobody"), fetch, POLICY)) == 1
    assert fetch.calls == 2


async def test_not_found_is_remembered_as_a_miss(clock):
    fetch = Fetch(ProviderError("theaudiodb", ErrorKind.NOT_FOUND, "no artist"), None)
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            await cached(("theaudiodb", "photo", "x"), fetch, POLICY)
        assert caught.value.kind is ErrorKind.NOT_FOUND
    assert fetch.calls == 1
    clock.now += 11
    assert await cached(("theaudiodb", "photo", "x"), fetch, POLICY) is None
    assert fetch.calls == 2


async def test_a_failure_is_remembered_briefly_so_a_down_service_is_not_hammered(clock):
    fetch = Fetch(ProviderError("lastfm", ErrorKind.UNAVAILABLE, "HTTP 503", status=503), [1])
    for _ in range(3):
        with pytest.raises(ProviderError) as caught:
            await cached(("lastfm", "chart", 1), fetch, POLICY)
        assert caught.value.kind is ErrorKind.UNAVAILABLE
        assert caught.value.status == 503
    assert fetch.calls == 1
    clock.now += 3  # past the error lifetime
    assert await cached(("lastfm", "chart", 1), fetch, POLICY) == [1]
    assert fetch.calls == 2


@pytest.mark.parametrize(
    "error",
    [DeadlineExceeded("lastfm"), ProviderError("lastfm", ErrorKind.DISABLED)],
    ids=["deadline", "disabled"],
)
async def test_our_own_haste_and_configuration_are_not_remembered(error):
    fetch = Fetch(error, ["ok"])
    with pytest.raises(ProviderError):
        await cached(("lastfm", "chart", 1), fetch, POLICY)
    assert await cached(("lastfm", "chart", 1), fetch, POLICY) == ["ok"]
    assert fetch.calls == 2


def _round_trip(value):
    return pickle.loads(pickle.dumps(value))  # noqa: S301 - bytes we just made


def test_errors_and_results_survive_pickling():
    error = _round_trip(DeadlineExceeded("lastfm", "late"))
    assert isinstance(error, DeadlineExceeded)
    assert (error.service, error.kind, error.message) == ("lastfm", ErrorKind.TIMEOUT, "late")
    plain = _round_trip(ProviderError("x", ErrorKind.RATE_LIMITED, status=429))
    assert (plain.kind, plain.status) == (ErrorKind.RATE_LIMITED, 429)
    assert _round_trip(_tracks(2)) == _tracks(2)


async def test_a_broken_cache_does_not_break_provider_calls():
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    fetch = Fetch(["fresh"])
    with override_settings(CACHES=unreachable):
        assert await cached(("lastfm", "chart", 1), fetch, POLICY) == ["fresh"]
    assert fetch.calls == 1


# --- One fetch at a time per key ----------------------------------------------------------


async def test_concurrent_callers_share_one_fetch():
    fetch = Fetch(_tracks(5), pause=0.1)
    results = await asyncio.gather(
        *(cached(("lastfm", "track.search", {"q": "cher"}), fetch, POLICY) for _ in range(20))
    )
    assert fetch.calls == 1
    assert all(result == _tracks(5) for result in results)


async def test_concurrent_callers_share_one_failure():
    fetch = Fetch(ProviderError("lastfm", ErrorKind.TIMEOUT), pause=0.1)
    results = await asyncio.gather(
        *(cached(("lastfm", "chart", 1), fetch, POLICY) for _ in range(10)),
        return_exceptions=True,
    )
    assert fetch.calls == 1
    assert all(isinstance(result, ProviderError) for result in results)
    assert {result.kind for result in results} == {ErrorKind.TIMEOUT}


async def test_a_waiter_takes_over_when_the_first_fetch_gives_up():
    fetch = Fetch(DeadlineExceeded("lastfm"), ["second"], pause=0.05)
    results = await asyncio.gather(
        *(cached(("lastfm", "chart", 1), fetch, POLICY) for _ in range(5)),
        return_exceptions=True,
    )
    assert fetch.calls == 2
    assert isinstance(results[0], DeadlineExceeded)
    assert results[1:] == [["second"]] * 4


async def test_waiting_for_another_fetch_ends_with_the_deadline():
    gate = asyncio.Event()
    fetch = Fetch(["late"], gate=gate)
    first = asyncio.ensure_future(cached(("lastfm", "chart", 1), fetch, POLICY))
    await fetch.started.wait()
    with deadline(0.1), pytest.raises(DeadlineExceeded):
        await cached(("lastfm", "chart", 1), fetch, POLICY)
    gate.set()
    assert await first == ["late"]
    assert fetch.calls == 1


async def test_the_lock_is_shared_through_the_cache(monkeypatch):
    # Another process fetching the same key holds its lock in the shared cache.
    key = cache_key(("lastfm", "chart", 1))
    lock_key = f"{key}:lock"
    cache = caches["default"]
    await cache.aadd(lock_key, "other-process", timeout=10)
    # Reads pass through unchanged; the test learns when the waiter found the lock held.
    found_held = 0
    read_many = cache.aget_many

    async def read_many_seen(keys, *args, **kwargs):
        nonlocal found_held
        found = await read_many(keys, *args, **kwargs)
        found_held += lock_key in found
        return found

    monkeypatch.setattr(cache, "aget_many", read_many_seen)
    fetch = Fetch(["mine"])
    waiter = asyncio.ensure_future(cached(("lastfm", "chart", 1), fetch, POLICY))
    await async_wait_until(lambda: found_held >= 2, message="the waiter never saw the lock")
    assert fetch.calls == 0  # waiting for the other process, not fetching
    # The other process stores its answer and lets go.
    await caches["default"].aset(
        key, provider_cache._Entry("hit", provider_cache._now() + 100, ["theirs"]), timeout=100
    )
    await caches["default"].adelete(f"{key}:lock")
    assert await waiter == ["theirs"]
    assert fetch.calls == 0


# --- Stale while revalidate ---------------------------------------------------------------


async def test_a_stale_chart_is_served_at_once_while_one_refresh_runs(clock):
    first = await cached(("apple", "chart", "us", 50), Fetch(["old"]), CHART)
    assert first == ["old"]
    clock.now += 101  # stale

    gate = asyncio.Event()
    refresh = Fetch(["new"], gate=gate)
    served = await asyncio.gather(
        *(cached(("apple", "chart", "us", 50), refresh, CHART) for _ in range(10))
    )
    assert served == [["old"]] * 10  # nobody waited for the refresh
    # The refresh runs in the background; after wait_for_refreshes below every refresh
    # started is counted, so the last count is the one that proves there was only one.
    await asyncio.wait_for(refresh.started.wait(), 10)
    assert refresh.calls == 1

    gate.set()
    await wait_for_refreshes()
    assert await cached(("apple", "chart", "us", 50), refresh, CHART) == ["new"]
    assert refresh.calls == 1


async def test_a_failed_refresh_keeps_the_stale_chart_and_pauses(clock):
    await cached(("apple", "chart", "us", 50), Fetch(["old"]), CHART)
    clock.now += 101
    failing = Fetch(ProviderError("apple", ErrorKind.UNAVAILABLE))
    assert await cached(("apple", "chart", "us", 50), failing, CHART) == ["old"]
    await wait_for_refreshes()
    assert failing.calls == 1
    # Still the stale chart, and no new refresh before the error pause is over.
    assert await cached(("apple", "chart", "us", 50), failing, CHART) == ["old"]
    await wait_for_refreshes()
    assert failing.calls == 1


async def test_the_refresh_is_not_bound_by_the_request_deadline(clock):
    await cached(("apple", "chart", "us", 50), Fetch(["old"]), CHART)
    clock.now += 101
    refresh = Fetch(["new"], pause=0.2)
    with deadline(0.05):
        assert await cached(("apple", "chart", "us", 50), refresh, CHART) == ["old"]
    await wait_for_refreshes()
    assert await cached(("apple", "chart", "us", 50), refresh, CHART) == ["new"]


async def test_past_its_staleness_a_chart_is_fetched_again(clock):
    await cached(("apple", "chart", "us", 50), Fetch(["old"]), CHART)
    clock.now += 100 + 1000 + 1
    fetch = Fetch(["new"])
    assert await cached(("apple", "chart", "us", 50), fetch, CHART) == ["new"]
    assert fetch.calls == 1


async def test_without_staleness_an_expired_answer_is_fetched_in_the_foreground(clock):
    await cached(("lastfm", "track.search", "q"), Fetch(["old"]), POLICY)
    clock.now += 101
    fetch = Fetch(["new"])
    assert await cached(("lastfm", "track.search", "q"), fetch, POLICY) == ["new"]
