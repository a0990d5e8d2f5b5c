"""The platform's own readiness checks: database, cache and channel layer (critical), and
the backups (informational), registered in core's registry by ``register_ops_checks``."""

import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import caches
from django.db import connection

from rubysound.core.health import register_check

from .backup.observability import check_backups


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
    # The process's own kind of channel: channels-redis reads every channel of one kind
    # with one blocking read at a time, so a channel of another kind ("health.") waits
    # behind an open socket's read and the check timed out whenever a socket was open.
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "health.ping":
        raise RuntimeError("channel layer returned a different message")
    return type(layer).__name__


def register_ops_checks() -> None:
    register_check("database", check_database, critical=True)
    register_check("cache", check_cache, critical=True)
    register_check("channel_layer", check_channel_layer, critical=True)
    register_check("backups", check_backups, critical=False)
