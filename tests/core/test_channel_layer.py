"""The Redis channel layer with Redis stopped, frozen and restarted empty: group calls pass
over it within their timeout, receivers wait it out, groups are joined again when it is back.

A Redis of the test's own (tests/redis_server.py), on either backend of the suite.
"""

import asyncio
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from rubysound.core.channel_layer import RedisChannelLayer
from tests.redis_server import redis_server

COMMAND_TIMEOUT = 0.5
DEADLINE = 10


@pytest.fixture
def redis(settings):
    settings.REDIS_RETRY_AFTER_MS = 50
    with redis_server() as server:
        yield server


@pytest.fixture
async def layer(redis):
    layer = RedisChannelLayer(
        hosts=[{"address": redis.url, "socket_timeout": 15, "socket_connect_timeout": 0.5}],
        prefix="layer-test",
        command_timeout=COMMAND_TIMEOUT,
    )
    yield layer
    # Leaves the process's record of the channel layer as it found it: working.
    if redis.process.poll() is not None:
        redis.start()
    async with asyncio.timeout(DEADLINE):
        while layer.outage.failing:
            await layer.group_discard("g", "specific.gone!")
            await asyncio.sleep(0.02)
    await layer.close_pools()


async def until(condition) -> None:
    """Waits for ``condition()``, within the deadline."""
    async with asyncio.timeout(DEADLINE):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


async def test_group_calls_with_redis_stopped_neither_raise_nor_hang(redis, layer):
    channel = await layer.new_channel()
    redis.stop()
    async with asyncio.timeout(DEADLINE):
        await layer.group_add("g", channel)
        await layer.group_send("g", {"type": "hello"})
        await layer.group_discard("g", channel)
    assert layer.outage.failing
    # A message to one channel still fails loudly: the readiness check relies on it.
    with pytest.raises(RedisConnectionError):
        await layer.send(channel, {"type": "hello"})


async def test_a_frozen_redis_holds_a_group_call_for_the_command_timeout_only(redis, layer):
    channel = await layer.new_channel()
    await layer.group_add("g", channel)  # a pooled connection, open before the freeze
    with redis.paused():
        # Well under redis-py's socket timeout here (15 s, for the receivers' blocking read).
        async with asyncio.timeout(DEADLINE):
            await layer.group_send("g", {"type": "hello"})
    assert layer.outage.failing


async def test_a_receiver_waits_out_an_outage_and_its_group_survives_an_empty_restart(redis, layer):
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    receiving = asyncio.create_task(layer.receive(channel))
    try:
        await until(lambda: layer.receive_lock is not None and layer.receive_lock.locked())
        redis.stop()
        await until(lambda: layer.outage.failing)  # the receiver's read failed
        assert not receiving.done()
        redis.start()  # empty: the group's membership is gone from Redis
        deadline = time.monotonic() + DEADLINE
        while not receiving.done() and time.monotonic() < deadline:
            await layer.group_send("g", {"type": "hello"})
            await asyncio.wait([receiving], timeout=0.1)
        assert receiving.result() == {"type": "hello"}
    finally:
        receiving.cancel()
