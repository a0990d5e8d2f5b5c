"""Provider answers kept in the Django cache (Redis in production, local memory otherwise).

``await cached(("lastfm", "track.search", {"q": q, "page": page, "limit": limit}), fetch,
CachePolicy.search())`` returns the cached answer or calls ``fetch`` once for it:

- The key holds the service, the method and a hash of EVERY other part, so two calls that
  differ in any parameter (page size, language, ...) never share an answer. Keys carry a
  version (CACHE_VERSION), bumped when the shape of what is stored changes.
- Found answers, empty answers (and NOT_FOUND) and failures have their own lifetimes: a
  failure is remembered briefly, so a service that is down is not asked again by every
  request, and re-raised as the same ProviderError.
- One fetch at a time per key, across processes: the first caller takes a short lock with
  ``cache.add``; the others wait (within their deadline) for its answer to appear.
- Stale-while-revalidate (policies with ``stale_seconds``, e.g. charts): past its freshness
  an answer is still served at once while ONE background task refreshes it; a refresh that
  fails keeps the stale answer and is not tried again for ``error_seconds``.

Values must be picklable (the dataclasses of ``types.py``, lists and tuples of them).
"""

import asyncio
import hashlib
import json
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches

from . import budget
from .errors import DeadlineExceeded, ErrorKind, ProviderError
from .metrics import report_error

logger = logging.getLogger("rubysound.providers")

T = TypeVar("T")

CACHE_VERSION = 1
HIT, MISS, ERROR = "hit", "miss", "error"
# Waiters look for the lock holder's answer this often (growing to the maximum).
_POLL_FIRST_SECONDS = 0.01
_POLL_MAX_SECONDS = 0.1
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
# Freshness is judged on this clock (wall time: entries are shared between processes).
_now: Callable[[], float] = time.time


@dataclass(frozen=True)
class CachePolicy:
    hit_seconds: float  # how long a found answer is fresh
    miss_seconds: float  # an empty answer or NOT_FOUND
    error_seconds: float  # a failure (and the pause after a failed background refresh)
    stale_seconds: float = 0  # > 0: serve a stale answer this long past fresh, refreshing it
    lock_seconds: float = 10  # longest one fetch may hold the key's lock
    wait_seconds: float = 3  # longest a caller waits for another's fetch

    @classmethod
    def lookup(cls) -> "CachePolicy":
        """Answers that change rarely: searches, track and artist details, photos, bios."""
        return cls(
            hit_seconds=settings.PROVIDERS_CACHE_HIT_SECONDS,
            miss_seconds=settings.PROVIDERS_CACHE_MISS_SECONDS,
            error_seconds=settings.PROVIDERS_CACHE_ERROR_SECONDS,
        )

    @classmethod
    def chart(cls) -> "CachePolicy":
        """Charts: short freshness, long staleness, never a request blocked on a refresh
        once the chart has been fetched."""
        return cls(
            hit_seconds=settings.PROVIDERS_CACHE_CHART_SECONDS,
            miss_seconds=settings.PROVIDERS_CACHE_ERROR_SECONDS,
            error_seconds=settings.PROVIDERS_CACHE_ERROR_SECONDS,
            stale_seconds=settings.PROVIDERS_CACHE_CHART_STALE_SECONDS,
        )


@dataclass(frozen=True)
class _Entry:
    outcome: str  # HIT, MISS or ERROR
    fresh_until: float  # _now()
    value: Any = None
    error: ProviderError | None = None
    stale_until: float = 0.0  # may be served (while refreshed) until then


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)


def cache_key(key_parts: Sequence[Any]) -> str:
    """``providers:v1:<service>:<method>:<hash of every other part>``."""
    if len(key_parts) < 2:
        raise ValueError("key_parts start with the service and the method")
    service, method, *rest = key_parts
    canonical = json.dumps(
        rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:40]
    readable = ":".join(_UNSAFE_KEY_CHARS.sub("_", str(part))[:60] for part in (service, method))
    return f"providers:v{CACHE_VERSION}:{readable}:{digest}"


def _seconds(value: float) -> int:
    # Django's Redis backend truncates timeouts to whole seconds, and 0 deletes the key.
    return max(1, math.ceil(value))


def _is_empty(value: Any) -> bool:
    return value is None or (
        isinstance(value, list | tuple | dict | set | frozenset | str) and not value
    )


# The cache is a help, not a dependency of provider calls: when it fails, calls go through
# uncached (and unguarded against stampedes) rather than fail.


async def _cache_get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return await caches["default"].aget_many(keys)
    except Exception as exc:
        logger.warning("provider cache unavailable", extra={"op": "get", "error": repr(exc)})
        return {}


async def _cache_set(key: str, value: Any, seconds: float) -> None:
    try:
        await caches["default"].aset(key, value, timeout=_seconds(seconds))
    except Exception as exc:
        logger.warning("provider cache unavailable", extra={"op": "set", "error": repr(exc)})


async def _cache_add(key: str, value: Any, seconds: float) -> bool:
    try:
        return await caches["default"].aadd(key, value, timeout=_seconds(seconds))
    except Exception as exc:
        logger.warning("provider cache unavailable", extra={"op": "add", "error": repr(exc)})
        return True  # no lock to be had: fetch


async def _cache_release(key: str, token: str) -> None:
    try:
        cache = caches["default"]
        if await cache.aget(key) == token:
            await cache.adelete(key)
    except Exception as exc:
        logger.warning("provider cache unavailable", extra={"op": "delete", "error": repr(exc)})


def _fresh(entry: Any) -> bool:
    return isinstance(entry, _Entry) and _now() < entry.fresh_until


def _answer(entry: _Entry) -> Any:
    if entry.error is not None:
        error = entry.error
        error.reported = True  # counted when it happened, not each time it is served
        raise error
    return entry.value


async def _fetch_and_store(
    key: str, fetch: Callable[[], Awaitable[T]], policy: CachePolicy, *, keep_stale: bool
) -> T:
    try:
        value = await fetch()
    except DeadlineExceeded:
        raise  # our haste, not the service's answer: nothing to remember
    except ProviderError as error:
        report_error(error)
        if error.kind is ErrorKind.DISABLED or keep_stale:
            raise
        ttl = policy.miss_seconds if error.kind is ErrorKind.NOT_FOUND else policy.error_seconds
        outcome = MISS if error.kind is ErrorKind.NOT_FOUND else ERROR
        entry = _Entry(outcome, _now() + ttl, error=error)
        await _cache_set(key, entry, ttl)
        raise
    if _is_empty(value):
        await _cache_set(
            key, _Entry(MISS, _now() + policy.miss_seconds, value), policy.miss_seconds
        )
    else:
        lifetime = policy.hit_seconds + policy.stale_seconds
        fresh_until = _now() + policy.hit_seconds
        entry = _Entry(HIT, fresh_until, value, stale_until=fresh_until + policy.stale_seconds)
        await _cache_set(key, entry, lifetime)
    return value


async def _wait_for_other_fetch(key: str, lock_key: str, policy: CachePolicy) -> _Entry | None:
    """Waits while another caller holds the key's lock. Returns its answer, or None when the
    lock went away without one (the other fetch gave up: try again)."""
    limit = policy.wait_seconds
    left = budget.remaining()
    if left is not None:
        limit = min(limit, left)
    give_up_at = time.monotonic() + limit
    pause = _POLL_FIRST_SECONDS
    while True:
        now = time.monotonic()
        if now >= give_up_at:
            raise _WaitedTooLong
        await asyncio.sleep(min(pause, give_up_at - now))
        pause = min(pause * 1.5, _POLL_MAX_SECONDS)
        found = await _cache_get_many([key, lock_key])
        entry = found.get(key)
        if _fresh(entry):
            return entry
        if lock_key not in found:
            return None


class _WaitedTooLong(Exception):
    pass


async def _fetch_once(
    key: str, service: str, fetch: Callable[[], Awaitable[T]], policy: CachePolicy
) -> T:
    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    while True:
        if await _cache_add(lock_key, token, policy.lock_seconds):
            try:
                return await _fetch_and_store(key, fetch, policy, keep_stale=False)
            finally:
                await _cache_release(lock_key, token)
        try:
            entry = await _wait_for_other_fetch(key, lock_key, policy)
        except _WaitedTooLong:
            if budget.expired():
                raise DeadlineExceeded(service, "deadline reached waiting for the cache") from None
            # The lock holder is stuck or gone without releasing: ask ourselves.
            return await _fetch_and_store(key, fetch, policy, keep_stale=False)
        if entry is not None:
            return _answer(entry)


_refreshes: set[asyncio.Task] = set()


async def _refresh(key: str, lock_key: str, token: str, fetch, policy: CachePolicy) -> None:
    # The request that noticed the stale answer has its own deadline; the refresh outlives
    # it, bounded by the lock it holds.
    with budget.detached(policy.lock_seconds):
        try:
            await _fetch_and_store(key, fetch, policy, keep_stale=True)
        except Exception as exc:
            # Keep the stale answer; hold the lock a while so the next refresh waits.
            logger.info(
                "provider cache refresh failed",
                extra={"key": key, "error": type(exc).__name__},
            )
            await _cache_set(lock_key, token, policy.error_seconds)
            return
    await _cache_release(lock_key, token)


async def _refresh_in_background(key: str, fetch, policy: CachePolicy) -> None:
    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    if not await _cache_add(lock_key, token, policy.lock_seconds):
        return  # someone is refreshing it already
    task = asyncio.get_running_loop().create_task(_refresh(key, lock_key, token, fetch, policy))
    _refreshes.add(task)
    task.add_done_callback(_refreshes.discard)


async def cached(
    key_parts: Sequence[Any], fetch: Callable[[], Awaitable[T]], policy: CachePolicy
) -> T:
    """The answer for ``key_parts`` (service, method, then every parameter), from the cache
    or from one call of ``fetch``; a remembered failure is raised again as ProviderError."""
    key = cache_key(key_parts)
    entry = (await _cache_get_many([key])).get(key)
    if isinstance(entry, _Entry):
        if _fresh(entry):
            return _answer(entry)
        if entry.outcome == HIT and policy.stale_seconds > 0 and _now() < entry.stale_until:
            await _refresh_in_background(key, fetch, policy)
            return entry.value
    return await _fetch_once(key, str(key_parts[0]), fetch, policy)


async def wait_for_refreshes() -> None:
    """Waits for the background refreshes started so far (tests, graceful shutdown)."""
    loop = asyncio.get_running_loop()
    while pending := [task for task in _refreshes if task.get_loop() is loop]:
        await asyncio.gather(*pending, return_exceptions=True)
