"""How long the current request may still wait on providers.

A request to our API sets one deadline (``with deadline(3):``) and every provider call made
inside it, in whichever task, respects it: the transport shortens its timeouts, skips
retries that would not fit and refuses to start a request once the time is spent. The
deadline lives in a context variable, so tasks started with ``asyncio.gather`` inherit it.
"""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

# time.monotonic() value after which no provider call may run; None: no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "provider_deadline", default=None
)


@contextmanager
def deadline(seconds: float | None = None) -> Iterator[float]:
    """Provider calls inside the block end within ``seconds`` (default: the configured
    budget, PROVIDERS_BUDGET_MS). Nested blocks can only shorten the outer deadline.
    Yields the deadline as a ``time.monotonic()`` value."""
    if seconds is None:
        seconds = settings.PROVIDERS_BUDGET_SECONDS
    until = time.monotonic() + max(0.0, seconds)
    outer = _deadline.get()
    if outer is not None:
        until = min(until, outer)
    token = _deadline.set(until)
    try:
        yield until
    finally:
        _deadline.reset(token)


@contextmanager
def detached(seconds: float) -> Iterator[float]:
    """A fresh deadline that ignores the caller's: for work that outlives the request,
    such as a background cache refresh."""
    token = _deadline.set(time.monotonic() + max(0.0, seconds))
    try:
        yield _deadline.get()
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the current deadline (0 when spent), or None without one."""
    until = _deadline.get()
    if until is None:
        return None
    return max(0.0, until - time.monotonic())


def expired() -> bool:
    left = remaining()
    return left is not None and left <= 0
