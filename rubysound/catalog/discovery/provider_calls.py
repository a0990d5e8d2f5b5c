"""What every merged answer shares: one request budget across its stages, the providers
cache for each service's answer, and the short-lived cache of the merged answer itself.

The catalog uses the providers (``rubysound.providers.gateway``), never the reverse: the
discovery modules ask them within the request's budget (``fanout``) and merge their plain
dataclasses with our own tracks and artists into the plain data the routes answer. With no
service enabled none of it runs: the routes answer from the library alone, and no event
loop is started.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.fanout import Call, Sources
from rubysound.providers.gateway import CachePolicy, cached

# How long a merged answer (a search page, suggestions) is kept.
ANSWER_CACHE_TTL = 60
# An answer some service failed to give is kept briefly: the next visitor may get it whole.
DEGRADED_CACHE_TTL = 10


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def enabled_signature(services: Iterable[str]) -> str:
    """Which of ``services`` are on, for cache keys: switching one on or off changes the
    answer, so it must change the key."""
    return "+".join(s for s in services if fanout.is_enabled(s)) or "none"


class RequestBudget:
    """One deadline for every provider stage of one answer, even when a database query
    runs between two of them (each stage gets only what the earlier ones left)."""

    def __init__(self, seconds: float | None = None) -> None:
        if seconds is None:
            seconds = float(settings.PROVIDERS_BUDGET_SECONDS)
        self.until = time.monotonic() + max(0.0, seconds)

    def remaining(self) -> float:
        return max(0.0, self.until - time.monotonic())

    def run(self, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return fanout.run(function, *args, seconds=self.remaining())


async def remember(
    key_parts: tuple, fetch: Callable[[], Awaitable[Any]], policy: CachePolicy | None = None
) -> fanout.Fetched:
    """A provider answer through the providers cache (``cached``: one fetch per key at a
    time, remembered failures raised again), and whether it came from there.
    """
    fetched = False

    async def tracked():
        nonlocal fetched
        fetched = True
        return await fetch()

    value = await cached(key_parts, tracked, policy or CachePolicy.lookup())
    return fanout.Fetched(value, cached=not fetched)


def cached_call(
    service: str,
    key_parts: tuple,
    fetch: Callable[[], Awaitable[Any]],
    policy: CachePolicy | None = None,
) -> Call:
    """A call to ``service`` for the fan-out, through the providers cache."""
    return Call(service, lambda: remember(key_parts, fetch, policy))


async def ask(call: Call, sources: Sources) -> Any:
    """The value of one call, noted in ``sources``; None when its service is off, failed or
    was late."""
    found = await fanout.fan_out({0: call}, sources)
    return found.get(0)


def keep_answer(key: str, answer: dict, sources: Sources) -> None:
    """Caches a merged answer with what each service did; briefly when one failed to give
    its part."""
    ttl = DEGRADED_CACHE_TTL if sources.degraded() else ANSWER_CACHE_TTL
    cache.set(key, {**answer, "sources": sources.to_data()}, ttl)
