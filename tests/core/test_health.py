"""The readiness checks' registry on its own (what /health/ready answers with it is tested
in tests/ops/api/test_health.py)."""

import asyncio

import pytest

from rubysound.core import health


@pytest.fixture
def registry(monkeypatch):
    """A registry holding only this test's checks."""
    monkeypatch.setattr(health, "_registry", {})
    return health


async def _fine() -> str:
    return "fine"


async def _broken() -> str:
    raise RuntimeError("password=hunter2")


async def _hangs() -> str:
    await asyncio.sleep(30)
    return "never"


async def test_only_critical_checks_decide_readiness(registry):
    registry.register_check("store", _fine, critical=True)
    registry.register_check("extra", _broken, critical=False)
    healthy, checks = await registry.run_checks()
    assert healthy
    assert list(checks) == ["store", "extra"]
    assert checks["store"]["ok"] is True
    assert checks["store"]["detail"] == "fine"
    assert checks["extra"]["ok"] is False
    assert checks["extra"]["detail"] == "unavailable"

    registry.register_check("queue", _broken, critical=True)
    healthy, checks = await registry.run_checks(show_errors=True)
    assert not healthy
    assert checks["queue"]["detail"] == "unavailable: RuntimeError: password=hunter2"


async def test_a_hanging_check_times_out(registry, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.05)
    registry.register_check("slow", _hangs, critical=True)
    healthy, checks = await registry.run_checks()
    assert not healthy
    assert checks["slow"]["ok"] is False
    assert checks["slow"]["detail"] == "timed out"
