"""Readiness checks. Critical ones decide 200/503; informational ones are only reported.

Other domains register their own checks (providers, backups) with ``register_check``.
A check returns a short, safe detail string or raises; exception text is shown only to
staff, never to anonymous callers.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import caches
from django.db import connection

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


def _query_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


async def check_database() -> str:
    # thread_sensitive=True: Django's connections are per thread and closed at the end of
    # the request only in the request's own sync thread; a query from a pool thread would
    # leave its connection open (and hold a slot of the PostgreSQL pool).
    vendor = await sync_to_async(_query_database, thread_sensitive=True)()
    return vendor


async def check_cache() -> str:
    cache = caches["default"]
    key = f"health:{uuid.uuid4().hex}"
    await cache.aset(key, "1", timeout=10)
    value = await cache.aget(key)
    await cache.adelete(key)
    if value != "1":
        raise RuntimeError("cache did not return the value just written")
    return type(cache).__name__


async def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("health.")
    await layer.send(channel, {"type": "health.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "health.ping":
        raise RuntimeError("channel layer returned a different message")
    return type(layer).__name__


register_check("database", check_database, critical=True)
register_check("cache", check_cache, critical=True)
register_check("channel_layer", check_channel_layer, critical=True)


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
