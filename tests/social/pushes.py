"""What reaches users' notification sockets, read from the real channel layer (in-memory,
or Redis with REDIS_URL) through a channel subscribed to a user's notifications group, as
their open page would be."""

import asyncio

from channels.layers import get_channel_layer

from rubysound.social.realtime import notifications_group

# Marks the end of what was pushed before a read; never a payload of ours.
_END = {"type": "tests.end_of_pushes"}
# Generous: a loaded CI machine can take well over a second for one Redis round trip.
_READ_TIMEOUT_SECONDS = 10


class Pushes:
    """A channel per listening user.

    The listening side runs in one event loop of its own, as a server's consumers do (the
    Redis layer binds a channel's receive queue to the loop that first waited on it).
    """

    def __init__(self):
        self.layer = get_channel_layer()
        self.loop = asyncio.new_event_loop()
        self.channels: dict[int, str] = {}

    def listen(self, user) -> None:
        channel = self.loop.run_until_complete(self.layer.new_channel())
        self.loop.run_until_complete(self.layer.group_add(notifications_group(user.pk), channel))
        self.channels[user.pk] = channel

    def received(self, user) -> list[dict]:
        """Everything pushed to ``user`` since the last read.

        Pushes are sent before this is called (services push on commit, synchronously), and
        a channel delivers in order: so an end marker sent now comes after all of them, and
        reading up to it needs no guess at how long a push may take to arrive.
        """
        return self.loop.run_until_complete(self._read_to_end(self.channels[user.pk]))

    async def _read_to_end(self, channel: str) -> list[dict]:
        await self.layer.send(channel, {"type": "tests.end", "payload": _END})
        payloads = []
        async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
            while (payload := (await self.layer.receive(channel))["payload"]) != _END:
                payloads.append(payload)
        return payloads

    def close(self) -> None:
        self.loop.run_until_complete(self.layer.flush())
        if hasattr(self.layer, "close_pools"):
            self.loop.run_until_complete(self.layer.close_pools())
        self.loop.close()
