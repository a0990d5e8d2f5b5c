"""The readiness checks' registry. Critical checks decide 200/503; informational ones are
only reported.

Each app registers its own checks from its AppConfig.ready (ops: database, cache, channel
layer, backups; providers: the external services). A check returns a short, safe detail
string or raises; exception text is shown only to staff, never to anonymous callers.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger("rubysound.health")

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class HealthCheck:
    name: str
    run: Callable[[], Awaitable[str]]
    critical: bool


_registry: dict[str, HealthCheck] = {}


def register_check(name: str, run: Callable[[], Awaitable[str]], *, critical: bool) -> None:
    _registry[name] = HealthCheck(name, run, critical)


def registered_checks() -> list[HealthCheck]:
    return list(_registry.values())


async def _run_one(check: HealthCheck, show_errors: bool) -> dict:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check.run(), timeout=CHECK_TIMEOUT_SECONDS)
        ok = True
    except TimeoutError:
        ok, detail = False, "timed out"
    except Exception as exc:
        logger.warning("health check failed", extra={"check": check.name, "error": repr(exc)})
        ok = False
        detail = f"unavailable: {type(exc).__name__}: {exc}" if show_errors else "unavailable"
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": ok, "detail": detail, "critical": check.critical, "latency_ms": elapsed_ms}


async def run_checks(show_errors: bool = False) -> tuple[bool, dict]:
    checks = registered_checks()
    results = await asyncio.gather(*(_run_one(check, show_errors) for check in checks))
    by_name = {check.name: result for check, result in zip(checks, results, strict=True)}
    healthy = all(result["ok"] for result in results if result["critical"])
    return healthy, by_name
