"""Who is online: a user is online while any authenticated socket of theirs is open.

Every authenticated socket (notifications, comments, presence) registers a connection entry
when it is accepted, refreshes it every ``PRESENCE_HEARTBEAT_SECONDS`` and removes it when it
closes, through ``CONNECTION_LISTENER`` (``AccountsConfig.ready`` hands it to the WebSocket
base, ``rubysound.core.websocket``).
An entry expires ``PRESENCE_TTL_SECONDS`` after its last refresh, so a server that dies
without closing its sockets cannot leave anyone online: its entries simply run out.

Transitions (a user's first socket opening, the last one closing) are announced to the
user's presence group. Group messages carry no state, only "look again": a watcher reads
the store, so two transitions racing across servers cannot leave it with the older one.
An entry that expires makes no announcement (nobody is left to make it); watchers find it
on their own heartbeat, when they re-read the users they watch.

Two stores behind one interface: Redis when ``REDIS_URL`` is set (shared by every server
process; a sorted set per user of connection ids scored by expiry), and process memory for
the embedded single-process default.

``last_seen`` is the last moment a socket of the user was known alive: set on every refresh
and on close in the store (so a crash still leaves the last heartbeat), and written to
``User.last_seen_at`` once when the user goes offline, so it survives a restart of the store.
"""

import asyncio
import math
import time
import types
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from rubysound.core import redis_outage
from rubysound.core.timefmt import iso_utc
from rubysound.core.websocket import ConnectionListener

from .authentication import forget_cached_user
from .models import User

# How long the store remembers when an offline user was last seen; older than this, the
# database's ``last_seen_at`` answers.
LAST_SEEN_RETENTION_SECONDS = 30 * 24 * 60 * 60


def presence_group(user_id: int) -> str:
    """The channel-layer group of everyone watching ``user_id``."""
    return f"presence.user.{user_id}"


@dataclass(frozen=True)
class Presence:
    is_online: bool
    last_seen: float | None  # Unix time, from the store; None when it has no record


class PresenceStore:
    """Connection entries per user. ``now`` and ``ttl`` are seconds (Unix time)."""

    async def touch(self, user_id: int, connection_id: str, *, now: float, ttl: float) -> bool:
        """Registers or refreshes a connection; True when the user was offline until now."""
        raise NotImplementedError

    async def remove(self, user_id: int, connection_id: str, *, now: float) -> bool:
        """Removes a connection; True when the user has no live connection left."""
        raise NotImplementedError

    async def read(self, user_ids: list[int], *, now: float) -> dict[int, Presence]:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Releases connections (the Redis store); the store stays usable afterwards."""


class MemoryPresenceStore(PresenceStore):
    """One process's sockets: the embedded install runs a single server process."""

    def __init__(self):
        self._expiries: dict[int, dict[str, float]] = {}
        self._last_seen: dict[int, float] = {}

    def _live(self, user_id: int, now: float) -> dict[str, float]:
        entries = self._expiries.get(user_id, {})
        live = {conn: expiry for conn, expiry in entries.items() if expiry > now}
        if live:
            self._expiries[user_id] = live
        else:
            self._expiries.pop(user_id, None)
        return live

    async def touch(self, user_id, connection_id, *, now, ttl):
        was_offline = not self._live(user_id, now)
        self._expiries.setdefault(user_id, {})[connection_id] = now + ttl
        self._last_seen[user_id] = now
        return was_offline

    async def remove(self, user_id, connection_id, *, now):
        self._expiries.get(user_id, {}).pop(connection_id, None)
        self._last_seen[user_id] = now
        return not self._live(user_id, now)

    async def read(self, user_ids, *, now):
        return {
            user_id: Presence(bool(self._live(user_id, now)), self._last_seen.get(user_id))
            for user_id in user_ids
        }

    def clear(self) -> None:
        self._expiries.clear()
        self._last_seen.clear()


class RedisPresenceStore(PresenceStore):
    """Shared by every server process. Each operation is one MULTI/EXEC round trip, so two
    sockets of one user opening or closing on two servers at once see consistent counts.

    Scores are the servers' wall clocks: they must agree to well within the TTL (NTP).
    Short socket timeouts: a socket opening while Redis is slow waits a moment, not 5 s.
    """

    def __init__(self, url: str, key_prefix: str):
        import redis.asyncio as redis  # only installs that use Redis need it importable

        self._client = redis.Redis.from_url(url, **redis_outage.client_options())
        self._prefix = f"{key_prefix}:presence"

    def _connections_key(self, user_id: int) -> str:
        return f"{self._prefix}:connections:{user_id}"

    def _last_seen_key(self, user_id: int) -> str:
        return f"{self._prefix}:last_seen:{user_id}"

    async def touch(self, user_id, connection_id, *, now, ttl):
        key = self._connections_key(user_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            pipe.zadd(key, {connection_id: now + ttl})
            # The newest entry expires last, so the key lives exactly as long as it matters.
            pipe.pexpire(key, math.ceil(ttl * 1000))
            pipe.set(self._last_seen_key(user_id), repr(now), ex=LAST_SEEN_RETENTION_SECONDS)
            _, live_before, *_ = await pipe.execute()
        return live_before == 0

    async def remove(self, user_id, connection_id, *, now):
        key = self._connections_key(user_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zrem(key, connection_id)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            pipe.set(self._last_seen_key(user_id), repr(now), ex=LAST_SEEN_RETENTION_SECONDS)
            _, _, live_after, _ = await pipe.execute()
        return live_after == 0

    async def read(self, user_ids, *, now):
        if not user_ids:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.zcount(self._connections_key(user_id), f"({now!r}", "+inf")
                pipe.get(self._last_seen_key(user_id))
            replies = await pipe.execute()
        result = {}
        for index, user_id in enumerate(user_ids):
            live, last_seen = replies[2 * index], replies[2 * index + 1]
            result[user_id] = Presence(live > 0, float(last_seen) if last_seen else None)
        return result

    async def aclose(self):
        await self._client.aclose()


_memory_store = MemoryPresenceStore()
# One Redis client (with its connection pool) per event loop: a server process runs one
# loop; tests run one per test, and a connection cannot move between loops.
_redis_stores: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisPresenceStore]" = (
    weakref.WeakKeyDictionary()
)


def _close_with_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Closes the loop's Redis client just before the loop itself closes (as channels-redis
    does for its own connections), so no socket outlives the loop that owns it."""
    original_close = loop.close

    def close(self, *args, **kwargs):
        store = _redis_stores.pop(loop, None)
        if store is not None and not loop.is_running():
            loop.run_until_complete(store.aclose())
        self.close = original_close
        return original_close(*args, **kwargs)

    loop.close = types.MethodType(close, loop)


def presence_store() -> PresenceStore:
    if not settings.REDIS_URL:
        return _memory_store
    loop = asyncio.get_running_loop()
    store = _redis_stores.get(loop)
    if store is None:
        store = RedisPresenceStore(settings.REDIS_URL, settings.CACHE_KEY_PREFIX)
        _redis_stores[loop] = store
        _close_with_loop(loop)
    return store


# --- Connections (called by every authenticated socket) ------------------------------------


async def connection_alive(user_id: int, connection_id: str) -> None:
    """A socket of the user opened, or is still open (its heartbeat): keep the user online."""
    came_online = await presence_store().touch(
        user_id, connection_id, now=time.time(), ttl=float(settings.PRESENCE_TTL_SECONDS)
    )
    if came_online:
        await _announce(user_id)


async def connection_closed(user_id: int, connection_id: str) -> None:
    now = time.time()
    went_offline = await presence_store().remove(user_id, connection_id, now=now)
    if went_offline:
        await _record_last_seen(user_id, datetime.fromtimestamp(now, tz=UTC))
        await _announce(user_id)


CONNECTION_LISTENER = ConnectionListener(
    name="presence",
    connected=connection_alive,
    heartbeat=connection_alive,
    disconnected=connection_closed,
)


@database_sync_to_async
def _record_last_seen(user_id: int, when: datetime) -> None:
    User.objects.filter(pk=user_id).update(last_seen_at=when)
    forget_cached_user(user_id)


async def _announce(user_id: int) -> None:
    await get_channel_layer().group_send(
        presence_group(user_id), {"type": "presence.changed", "user_id": user_id}
    )


def visibility_changed_on_commit(user_id: int) -> None:
    """Tells watchers to re-check whether they may see the user (``is_public_favorites``)."""
    message = {"type": "presence.visibility", "user_id": user_id}
    transaction.on_commit(
        lambda: async_to_sync(get_channel_layer().group_send)(presence_group(user_id), message)
    )


# --- Reading (for watchers) -----------------------------------------------------------------


@dataclass(frozen=True)
class Watchable:
    """What the database says about a watched id, read once per watch."""

    visible: bool
    last_seen_at: datetime | None = None


HIDDEN = Watchable(visible=False)


@database_sync_to_async
def load_watchable(user_id: int) -> Watchable:
    """Whether a user's presence may be shown: active and with public favorites. Unknown
    and private ids get the same answer, so a watcher cannot tell which it asked about."""
    row = (
        User.objects.filter(pk=user_id, is_active=True, is_public_favorites=True)
        .values_list("last_seen_at")
        .first()
    )
    if row is None:
        return HIDDEN
    return Watchable(visible=True, last_seen_at=row[0])


async def read_presence(user_ids: list[int]) -> dict[int, Presence]:
    return await presence_store().read(user_ids, now=time.time())


def status_message(user_id: int, access: Watchable, presence: Presence | None) -> dict:
    """The ``presence_status`` frame; hidden users are always offline and never seen."""
    is_online = bool(access.visible and presence and presence.is_online)
    last_seen_iso = None
    if access.visible and not is_online:
        last_seen_iso = iso_utc(_latest(access.last_seen_at, presence))
    return {
        "type": "presence_status",
        "user_id": user_id,
        "is_online": is_online,
        "last_seen_iso": last_seen_iso,
    }


def _latest(recorded: datetime | None, presence: Presence | None) -> datetime | None:
    candidates = [recorded] if recorded else []
    if presence and presence.last_seen is not None:
        candidates.append(datetime.fromtimestamp(presence.last_seen, tz=UTC))
    return max(candidates, default=None)
