"""channels-redis, for which Redis being down costs live updates, never a socket or a request.

Group messages carry live updates (notifications, comments, presence changes) whose record
is in the database. When Redis is unreachable or slow:

- ``group_add``, ``group_discard`` and ``group_send`` are passed over (bounded by
  ``command_timeout``, reported by ``rubysound.core.redis_outage``): a socket still opens,
  a write still commits, nothing is fanned out meanwhile;
- ``receive`` (each socket's wait for group messages) waits for Redis to come back instead
  of raising, which would end the socket;
- the groups this process's sockets joined are remembered, and joined again when Redis is
  back: a socket opened during the outage, or a Redis restarted empty, gets its messages
  again without reconnecting.

``send`` to a single channel still raises: the readiness check uses it to say Redis is down.
"""

import asyncio
import weakref
from collections import defaultdict

from channels_redis import core as channels_redis

from .redis_outage import FAILURES, outage

# Between two reads that failed with an answer rather than a lost connection (out of memory,
# say), which the outage record does not pause for: never a tight loop.
RECEIVE_PAUSE_SECONDS = 0.1


class RedisChannelLayer(channels_redis.RedisChannelLayer):
    """channels-redis's layer, passing over Redis as the module says. (Same class name: the
    readiness check reports it.)"""

    def __init__(self, *args, command_timeout: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.command_timeout = command_timeout
        self.outage = outage("channel_layer")
        # group -> channels of this process in it, whatever Redis holds
        self._memberships: dict[str, set[str]] = defaultdict(set)
        # One probe of Redis at a time per event loop, however many sockets wait on it.
        self._probe_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def group_add(self, group, channel):
        self._memberships[group].add(channel)
        await self._passing_over(super().group_add, group, channel)

    async def group_discard(self, group, channel):
        members = self._memberships.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self._memberships[group]
        await self._passing_over(super().group_discard, group, channel)

    async def group_send(self, group, message):
        await self._passing_over(super().group_send, group, message)

    async def receive(self, channel):
        while True:
            await self._until_redis_answers()
            try:
                return await super().receive(channel)
            except FAILURES as exc:
                self.outage.failed(exc)
                await asyncio.sleep(max(self.outage.retry_in(), RECEIVE_PAUSE_SECONDS))

    async def _passing_over(self, method, *args) -> None:
        if self.outage.skip():
            return
        try:
            async with asyncio.timeout(self.command_timeout):
                await method(*args)
        except FAILURES as exc:
            self.outage.failed(exc)
            return
        if self.outage.succeeded():
            await self._rejoin()

    async def _until_redis_answers(self) -> None:
        """Returns at once while Redis works; during an outage, once a PING answers."""
        while self.outage.failing:
            await asyncio.sleep(self.outage.retry_in())
            loop = asyncio.get_running_loop()
            lock = self._probe_locks.setdefault(loop, asyncio.Lock())
            async with lock:
                if not self.outage.failing:
                    return
                if self.outage.retry_in() > 0:
                    continue  # another receiver's probe failed meanwhile
                try:
                    async with asyncio.timeout(self.command_timeout):
                        await self.connection(0).ping()
                except FAILURES as exc:
                    self.outage.failed(exc)
                    continue
                if self.outage.succeeded():
                    await self._rejoin()

    async def _rejoin(self) -> None:
        """Joins this process's sockets to their groups again (Redis may have lost them)."""
        for group, channels in list(self._memberships.items()):
            for channel in list(channels):
                try:
                    async with asyncio.timeout(self.command_timeout):
                        await super().group_add(group, channel)
                except FAILURES as exc:
                    self.outage.failed(exc)
                    return
