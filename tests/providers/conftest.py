"""Shared helpers for the provider client tests: recorded responses on disk."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers"


def recording(service: str, name: str) -> bytes:
    """The bytes of one recorded response, exactly as the service sent them."""
    return (FIXTURES / service / name).read_bytes()


@pytest.fixture
def load_recording():
    return recording


@pytest.fixture(autouse=True)
def _fresh_provider_state():
    """Circuit breakers and rate limiters are per process: each test starts with closed
    circuits and free slots, whatever the previous test did to a service."""
    from rubysound.providers.breaker import reset_breakers
    from rubysound.providers.limits import reset_limits

    reset_breakers()
    reset_limits()
    yield
    reset_breakers()
    reset_limits()
