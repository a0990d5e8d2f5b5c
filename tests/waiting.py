"""Waiting for something to happen, instead of sleeping and hoping it has.

``wait_until(condition)`` polls ``condition()`` until it returns something true and returns
that; past ``within`` seconds it fails the test. The deadline is generous on purpose (two
shared CPU cores, other suites beside this one): a condition that holds returns at once,
so only a failing test ever waits that long. ``async_wait_until`` is the same for async tests
(the event loop keeps running between polls).
"""

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.01


def wait_until(condition: Callable[[], T], within: float = TIMEOUT_SECONDS, message: str = "") -> T:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"condition not met within {within} s")
        time.sleep(POLL_SECONDS)


async def async_wait_until(
    condition: Callable[[], T], within: float = TIMEOUT_SECONDS, message: str = ""
) -> T:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"condition not met within {within} s")
        await asyncio.sleep(POLL_SECONDS)
