"""Asking several external services at once, within one request's budget.

A request to our API never waits on providers longer than ``PROVIDERS_BUDGET_SECONDS``
(3 s by default) in all: ``run`` sets that deadline (the providers' ``deadline``) once,
and every stage of one answer shares it (a search asks Last.fm, then iTunes and Deezer for
the page it will show); the transport shortens its own timeouts to it. ``fan_out`` runs calls
concurrently and returns what finished in time; what is late is cancelled and left out.
``fan_out_preferring`` also starts a fallback call per key (Deezer beside iTunes) and waits
for it only where the preferred call falls short.
``Sources`` records what each service did, for the ``meta.sources`` of the response:

- ``ok``: the service answered;
- ``cached``: every answer came from the providers cache;
- ``disabled``: switched off or without a key, so not asked at all;
- ``degraded``: at least one call failed or was late, with the reason (``timeout``,
  ``unavailable``, ``rate_limited``, ...).

The sync DRF views call ``run`` (asgiref's ``async_to_sync``); they check ``any_enabled``
first, so the offline mode never starts an event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from django.conf import settings

from rubysound.providers.gateway import (
    ErrorKind,
    ProviderError,
    budget_remaining,
    deadline,
    service_config,
)

logger = logging.getLogger("rubysound.discovery")

T = TypeVar("T")

# The library, as a source of an answer beside the services.
LIBRARY = "library"
OK = "ok"
CACHED = "cached"
DISABLED = "disabled"
DEGRADED = "degraded"
# When one service was asked several times for one answer, its worst outcome is reported.
_SEVERITY = {DISABLED: 0, CACHED: 1, OK: 2, DEGRADED: 3}


def is_enabled(service: str) -> bool:
    try:
        return service_config(service).enabled
    except KeyError:
        return False


def any_enabled(services: Iterable[str]) -> bool:
    return any(is_enabled(service) for service in services)


@dataclass(frozen=True)
class Fetched:
    """A call's value and whether it came from the providers cache."""

    value: Any
    cached: bool = False


class Sources:
    """What each service did for one response (``meta.sources``)."""

    def __init__(self) -> None:
        self._status: dict[str, tuple[str, str]] = {}

    def note(self, service: str, status: str, reason: str = "") -> None:
        current = self._status.get(service)
        if current is None or _SEVERITY[status] > _SEVERITY[current[0]]:
            self._status[service] = (status, reason)

    def note_error(self, error: ProviderError) -> None:
        if error.kind == ErrorKind.DISABLED:
            self.note(error.service, DISABLED)
        else:
            self.note(error.service, DEGRADED, str(error.kind))

    def status(self, service: str) -> str:
        return self._status.get(service, ("", ""))[0]

    def degraded(self) -> bool:
        return any(status == DEGRADED for status, _ in self._status.values())

    def merge(self, other: Sources) -> None:
        for service, (status, reason) in other._status.items():
            self.note(service, status, reason)

    def as_meta(self) -> dict[str, dict[str, str]]:
        meta = {}
        for service in sorted(self._status):
            status, reason = self._status[service]
            meta[service] = {"status": status, **({"reason": reason} if reason else {})}
        return meta

    def as_cached(self) -> Sources:
        """The same sources seen through a stored answer: what was fresh is now cached."""
        copy = Sources()
        for service, (status, reason) in self._status.items():
            copy._status[service] = (CACHED, "") if status == OK else (status, reason)
        return copy

    def to_data(self) -> dict[str, list[str]]:
        return {service: [status, reason] for service, (status, reason) in self._status.items()}

    @classmethod
    def from_data(cls, data: Mapping[str, list[str]]) -> Sources:
        sources = cls()
        for service, (status, reason) in data.items():
            sources._status[service] = (status, reason)
        return sources


@dataclass(frozen=True)
class Call:
    """One request to one service: ``run`` returns the value (or a ``Fetched``)."""

    service: str
    run: Callable[[], Awaitable[Any]]


async def fan_out(calls: Mapping[Hashable, Call], sources: Sources) -> dict[Hashable, Any]:
    """Runs the calls concurrently; returns the values of those that succeeded in time.

    A disabled service is noted and not asked. A failed call (a ``ProviderError``) or one
    still running when the budget runs out is left out of the result and noted as
    degraded. Any other exception is a bug in a client: logged, and treated the same way,
    so one service can never take a response down.
    """
    tasks = _start(calls, sources)
    if not tasks:
        return {}
    done, pending = await asyncio.wait(tasks, timeout=_budget_left())
    await _abandon(pending, tasks, sources)
    results: dict[Hashable, Any] = {}
    for task in done:
        key, service = tasks[task]
        answered, value = _outcome(task, service, sources)
        if answered:
            results[key] = value
    return results


async def fan_out_preferring(
    preferred: Mapping[Hashable, Call],
    fallback: Mapping[Hashable, Call],
    sources: Sources,
    *,
    enough: Callable[[Hashable, Any], bool],
) -> dict[Hashable, tuple[Any, Any]]:
    """Both sets of calls at once; per key, ``(preferred value, fallback value)``.

    The fallback of a key only matters when its preferred call fails or answers something
    that is not ``enough(key, value)`` (None for a failure): the answer does not wait for
    a fallback that is not needed, which is cancelled as soon as that is known (and not
    reported, since nobody waited for it). So a key costs the time of its preferred call
    when that one suffices, and of the slower of the two otherwise, instead of the sum.
    Budget, failures and ``sources`` as in ``fan_out``; a value missing is None.
    """
    preferred_tasks = _start(preferred, sources)
    fallback_tasks = _start(fallback, sources)
    tasks = {**preferred_tasks, **fallback_tasks}
    if not tasks:
        return {}
    loop = asyncio.get_running_loop()
    until = loop.time() + _budget_left()
    firsts: dict[Hashable, Any] = {}
    seconds: dict[Hashable, Any] = {}
    settled: set[Hashable] = set()  # keys whose preferred call is over
    pending, unneeded = set(tasks), []
    while pending:
        for task in [t for t in pending if t in fallback_tasks]:
            key = tasks[task][0]
            if key in settled and enough(key, firsts.get(key)):
                task.cancel()
                pending.discard(task)
                unneeded.append(task)
        left = until - loop.time()
        if not pending or left <= 0:
            break
        done, pending = await asyncio.wait(
            pending, timeout=left, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            key, service = tasks[task]
            answered, value = _outcome(task, service, sources)
            if task in preferred_tasks:
                settled.add(key)
                if answered:
                    firsts[key] = value
            elif answered:
                seconds[key] = value
    await _abandon(pending, tasks, sources, unneeded)
    return {key: (firsts.get(key), seconds.get(key)) for key in {*firsts, *seconds}}


def _budget_left() -> float:
    left = budget_remaining()
    if left is None:  # called outside ``run``: the request's budget starts now
        left = float(settings.PROVIDERS_BUDGET_SECONDS)
    return left


def _start(calls: Mapping[Hashable, Call], sources: Sources) -> dict[asyncio.Task, tuple]:
    """Starts the calls of enabled services (a disabled one is noted, not asked)."""
    tasks: dict[asyncio.Task, tuple[Hashable, str]] = {}
    for key, call in calls.items():
        if not is_enabled(call.service):
            sources.note(call.service, DISABLED)
            continue
        tasks[asyncio.ensure_future(call.run())] = (key, call.service)
    return tasks


async def _abandon(
    late: Iterable[asyncio.Task],
    tasks: Mapping[asyncio.Task, tuple],
    sources: Sources,
    unneeded: Iterable[asyncio.Task] = (),
) -> None:
    """Cancels the calls still running at the deadline (noted as timeouts) and those no
    longer needed (already cancelled, not noted)."""
    late = list(late)
    for task in late:
        task.cancel()
        sources.note(tasks[task][1], DEGRADED, str(ErrorKind.TIMEOUT))
    stopping = [*late, *unneeded]
    if stopping:
        # Let the cancellations run, so no task outlives the request's event loop (briefly:
        # a call that swallows its cancellation must not hold the response).
        await asyncio.wait(stopping, timeout=0.05)


def _outcome(task: asyncio.Task, service: str, sources: Sources) -> tuple[bool, Any]:
    """(whether the call answered, its value), noting what the service did."""
    error = task.exception()
    if isinstance(error, ProviderError):
        sources.note_error(error)
        return False, None
    if error is not None:
        logger.error(
            "event=provider_call_failed service=%s error=%s",
            service,
            type(error).__name__,
            exc_info=error,
        )
        sources.note(service, DEGRADED, "error")
        return False, None
    value = task.result()
    if isinstance(value, Fetched):
        sources.note(service, CACHED if value.cached else OK)
        return True, value.value
    sources.note(service, OK)
    return True, value


def run(function: Callable[..., Awaitable[T]], *args: Any, seconds: float | None = None) -> T:
    """Runs async provider work from a sync view (on the server's loop under ASGI), under
    one deadline for all of it (``seconds``, default the configured budget): every stage,
    and every call in every task, shares it."""

    async def within_budget() -> T:
        with deadline(seconds):
            return await function(*args)

    return async_to_sync(within_budget)()
