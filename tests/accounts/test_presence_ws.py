"""``/ws/presence/`` through the deployed ASGI application, on whichever store the suite
runs with: process memory by default, Redis when ``REDIS_URL`` is set."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from prometheus_client import REGISTRY
from rest_framework_simplejwt.tokens import RefreshToken

from rubysound.accounts import presence
from rubysound.accounts.models import User
from rubysound.accounts.services import update_profile
from rubysound.asgi import application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PRESENCE = "/ws/presence/"
NOTIFICATIONS = "/ws/notifications/"
UNKNOWN_ID = 987_654_321


@pytest.fixture(autouse=True)
async def _clean_presence():
    yield
    await get_channel_layer().flush()
    presence._memory_store.clear()
    # Redis keys carry CACHE_KEY_PREFIX and are removed by the suite's cache cleanup.


@pytest.fixture
def fast_heartbeat(settings):
    """Heartbeats every 50 ms and entries living 300 ms: expiry is seen within a test."""
    settings.PRESENCE_HEARTBEAT_SECONDS = 0.05
    settings.PRESENCE_TTL_SECONDS = 0.3
    return settings


@database_sync_to_async
def make_user(**fields) -> User:
    return UserFactory(**fields)


@database_sync_to_async
def token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@contextlib.asynccontextmanager
async def socket(user=None, path=PRESENCE):
    """A connected socket of ``user`` (anonymous when None), closed on the way out."""
    query = f"?token={await token_for(user)}" if user is not None else ""
    communicator = WebsocketCommunicator(application, f"{path}{query}")
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        if not communicator.future.done():
            await communicator.disconnect()


async def crash(communicator) -> None:
    """The server running this socket dies: its task ends and no disconnect code runs."""
    communicator.future.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await communicator.future


async def watch(ws, user_id) -> dict:
    await ws.send_json_to({"action": "watch_user", "user_id": user_id})
    return await ws.receive_json_from(timeout=2)


def status(user_id: int, is_online: bool, last_seen_iso=None) -> dict:
    return {
        "type": "presence_status",
        "user_id": user_id,
        "is_online": is_online,
        "last_seen_iso": last_seen_iso,
    }


def parse_iso(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def assert_still_open(ws) -> None:
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=2) == {"type": "pong"}


# --- Authentication -------------------------------------------------------------------------


async def test_anonymous_is_accepted_then_closed_with_4401():
    async with socket() as ws:
        assert await ws.receive_output(timeout=1) == {"type": "websocket.close", "code": 4401}


async def test_an_anonymous_socket_is_not_counted_as_a_connection():
    def open_presence_sockets():
        return REGISTRY.get_sample_value("rubysound_websocket_connections", {"route": "presence"})

    before = open_presence_sockets()
    async with socket() as ws:
        await ws.receive_output(timeout=1)
        assert open_presence_sockets() == before


# --- Status answers and changes ---------------------------------------------------------------


async def test_a_user_who_never_connected_is_offline_and_never_seen():
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, False)


async def test_any_socket_of_a_user_makes_them_online_for_watchers():
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, False)
        async with socket(ann, NOTIFICATIONS):
            assert await ws.receive_json_from(timeout=2) == status(ann.pk, True)


async def test_a_user_already_online_is_answered_online():
    viewer, ann = await make_user(), await make_user()
    async with socket(ann, PRESENCE), socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, True)


async def test_closing_the_last_socket_reports_offline_with_when_they_were_last_seen():
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        await watch(ws, ann.pk)
        async with socket(ann, NOTIFICATIONS):
            assert (await ws.receive_json_from(timeout=2))["is_online"] is True
            before = datetime.now(tz=UTC)
        after = datetime.now(tz=UTC)
        offline = await ws.receive_json_from(timeout=2)
        assert offline["is_online"] is False
        last_seen = parse_iso(offline["last_seen_iso"])
        assert before <= last_seen <= after
        # Kept with the account too, so it outlives the presence store.
        stored = await database_sync_to_async(User.objects.get)(pk=ann.pk)
        assert stored.last_seen_at == last_seen
        # And given to anyone who starts watching later.
        async with socket(viewer) as late:
            assert await watch(late, ann.pk) == status(ann.pk, False, offline["last_seen_iso"])


async def test_last_seen_survives_the_loss_of_the_presence_store():
    viewer, ann = await make_user(), await make_user()
    async with socket(ann):
        pass
    stored = await database_sync_to_async(User.objects.get)(pk=ann.pk)
    # A restarted embedded server (or a flushed Redis) remembers nobody...
    presence._memory_store.clear()
    await database_sync_to_async(flush_presence_keys)()
    # ...and the account still says when Ann was last seen.
    async with socket(viewer) as ws:
        answer = await watch(ws, ann.pk)
    assert parse_iso(answer["last_seen_iso"]) == stored.last_seen_at


def flush_presence_keys() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{settings.CACHE_KEY_PREFIX}:presence:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


async def test_two_sockets_of_one_user_keep_them_online_until_both_close():
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        await watch(ws, ann.pk)
        async with socket(ann, NOTIFICATIONS):
            assert (await ws.receive_json_from(timeout=2))["is_online"] is True
            async with socket(ann, PRESENCE):
                # Already online: a second device changes nothing a watcher can see.
                assert await ws.receive_nothing(timeout=0.2)
            # The phone closed, the laptop is still open.
            assert await ws.receive_nothing(timeout=0.2)
            assert await watch(ws, ann.pk) == status(ann.pk, True)
        offline = await ws.receive_json_from(timeout=2)
        assert offline["is_online"] is False


async def test_every_watcher_hears_the_change_and_unwatching_stops_it():
    first, second, ann = await make_user(), await make_user(), await make_user()
    async with socket(first) as a, socket(second) as b:
        await watch(a, ann.pk)
        await watch(b, ann.pk)
        await b.send_json_to({"action": "unwatch_user", "user_id": ann.pk})
        await assert_still_open(b)  # unwatching has no answer of its own
        async with socket(ann):
            assert (await a.receive_json_from(timeout=2))["is_online"] is True
            assert await b.receive_nothing(timeout=0.2)


async def test_a_user_id_given_as_a_string_of_digits_is_understood():
    viewer, ann = await make_user(), await make_user()
    async with socket(ann), socket(viewer) as ws:
        assert await watch(ws, str(ann.pk)) == status(ann.pk, True)


# --- Heartbeat and expiry (a server that dies) --------------------------------------------------


async def test_an_open_socket_stays_online_far_beyond_the_ttl(fast_heartbeat):
    viewer, ann = await make_user(), await make_user()
    async with socket(ann), socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, True)
        # Five TTLs: the heartbeat keeps refreshing Ann's entry.
        assert await ws.receive_nothing(timeout=1.5)
        assert await watch(ws, ann.pk) == status(ann.pk, True)


async def test_a_user_whose_server_died_goes_offline_when_the_entry_expires(fast_heartbeat):
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        ann_ws = WebsocketCommunicator(application, f"{PRESENCE}?token={await token_for(ann)}")
        assert (await ann_ws.connect())[0]
        assert await watch(ws, ann.pk) == status(ann.pk, True)
        crashed_at = datetime.now(tz=UTC)
        await crash(ann_ws)
        # Nobody announced it; the watcher's own heartbeat finds the expired entry.
        offline = await ws.receive_json_from(timeout=2)
        assert offline["is_online"] is False
        # Last seen at Ann's last heartbeat, just before the crash.
        last_seen = parse_iso(offline["last_seen_iso"])
        assert crashed_at.timestamp() - 0.3 <= last_seen.timestamp() <= crashed_at.timestamp()


async def test_an_entry_left_by_another_dead_server_expires_too(fast_heartbeat):
    viewer, ann = await make_user(), await make_user()
    # What a server that died mid-session leaves behind: an entry nobody refreshes or removes.
    await presence.presence_store().touch(
        ann.pk, "specific.dead-server!abc", now=time.time(), ttl=0.3
    )
    async with socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, True)
        offline = await ws.receive_json_from(timeout=2)
        assert offline["is_online"] is False
        assert offline["last_seen_iso"] is not None


async def test_a_user_coming_back_after_expiry_is_announced_online_again(fast_heartbeat):
    viewer, ann = await make_user(), await make_user()
    await presence.presence_store().touch(ann.pk, "dead", now=time.time(), ttl=0.3)
    async with socket(viewer) as ws:
        await watch(ws, ann.pk)
        assert (await ws.receive_json_from(timeout=2))["is_online"] is False
        async with socket(ann, NOTIFICATIONS):
            assert await ws.receive_json_from(timeout=2) == status(ann.pk, True)


# --- Privacy --------------------------------------------------------------------------------------


async def test_private_and_unknown_users_get_the_same_never_online_answer():
    viewer, hidden = await make_user(), await make_user(is_public_favorites=False)
    async with socket(hidden), socket(hidden, NOTIFICATIONS), socket(viewer) as ws:
        assert await watch(ws, hidden.pk) == status(hidden.pk, False)
        assert await watch(ws, UNKNOWN_ID) == status(UNKNOWN_ID, False)
    # Going offline (with a last-seen time recorded) changes nothing either.
    async with socket(viewer) as ws:
        assert await watch(ws, hidden.pk) == status(hidden.pk, False)


async def test_a_private_users_transitions_are_not_pushed():
    viewer, hidden = await make_user(), await make_user(is_public_favorites=False)
    async with socket(viewer) as ws:
        await watch(ws, hidden.pk)
        async with socket(hidden):
            assert await ws.receive_nothing(timeout=0.2)
        assert await ws.receive_nothing(timeout=0.2)


async def test_an_inactive_account_is_never_online():
    viewer, gone = await make_user(), await make_user(is_active=False)
    await presence.presence_store().touch(gone.pk, "left-over", now=time.time(), ttl=60)
    async with socket(viewer) as ws:
        assert await watch(ws, gone.pk) == status(gone.pk, False)


async def test_turning_private_hides_a_watched_user_and_turning_public_shows_them():
    viewer, ann = await make_user(), await make_user()
    async with socket(ann), socket(viewer) as ws:
        assert await watch(ws, ann.pk) == status(ann.pk, True)
        await database_sync_to_async(update_profile)(ann, is_public_favorites=False)
        assert await ws.receive_json_from(timeout=2) == status(ann.pk, False)
        await database_sync_to_async(update_profile)(ann, is_public_favorites=True)
        assert await ws.receive_json_from(timeout=2) == status(ann.pk, True)


# --- Limits and bad frames ------------------------------------------------------------------------


async def test_watches_per_socket_are_capped(settings):
    settings.PRESENCE_MAX_WATCHES = 2
    viewer = await make_user()
    a, b, c = await make_user(), await make_user(), await make_user()
    async with socket(viewer) as ws:
        await watch(ws, a.pk)
        await watch(ws, UNKNOWN_ID)  # unknown ids count too: each costs a subscription
        refused = await watch(ws, c.pk)
        assert refused["type"] == "error"
        assert refused["code"] == "watch_limit"
        assert refused["user_id"] == c.pk
        assert "2" in refused["detail"]
        # Asking again about someone already watched is not a new watch.
        assert await watch(ws, a.pk) == status(a.pk, False)
        await ws.send_json_to({"action": "unwatch_user", "user_id": UNKNOWN_ID})
        assert await watch(ws, b.pk) == status(b.pk, False)


async def test_the_cap_is_per_socket(settings):
    settings.PRESENCE_MAX_WATCHES = 1
    viewer, a, b = await make_user(), await make_user(), await make_user()
    async with socket(viewer) as first, socket(viewer) as second:
        assert (await watch(first, a.pk))["type"] == "presence_status"
        assert (await watch(second, b.pk))["type"] == "presence_status"


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '"watch_user"',
        "{}",
        '{"action": "follow", "user_id": 1}',
        '{"action": "watch_user"}',
        '{"action": "watch_user", "user_id": "ann"}',
        '{"action": "watch_user", "user_id": true}',
        '{"action": "watch_user", "user_id": 0}',
        '{"action": "watch_user", "user_id": -3}',
        '{"action": "watch_user", "user_id": 1.5}',
        '{"action": "watch_user", "user_id": 99999999999999999999999}',
        '{"action": "watch_user", "user_id": [1]}',
        "[" * 100_000,
    ],
)
async def test_malformed_frames_get_an_error_and_the_socket_stays_open(frame):
    viewer = await make_user()
    async with socket(viewer) as ws:
        await ws.send_to(text_data=frame)
        error = await ws.receive_json_from(timeout=2)
        assert error["type"] == "error"
        assert error["code"] == "bad_request"
        assert error["detail"]
        await assert_still_open(ws)


async def test_a_binary_frame_gets_an_error_and_the_socket_stays_open():
    viewer = await make_user()
    async with socket(viewer) as ws:
        await ws.send_to(bytes_data=b"\x00\x01")
        assert (await ws.receive_json_from(timeout=2))["code"] == "bad_request"
        await assert_still_open(ws)


async def test_sockets_stay_open_while_the_presence_store_is_down(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    viewer, ann = await make_user(), await make_user()
    async with socket(ann, NOTIFICATIONS) as ann_ws, socket(viewer) as ws:
        answer = await watch(ws, ann.pk)
        assert answer["type"] == "error"
        assert answer["code"] == "unavailable"
        assert answer["user_id"] == ann.pk
        await assert_still_open(ws)
        await assert_still_open(ann_ws)
    assert "presence registration failed" in caplog.text


# --- Redis (when REDIS_URL is set) ------------------------------------------------------------

redis_only = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


@redis_only
async def test_redis_keys_carry_the_prefix_and_go_with_the_last_socket():
    ann = await make_user()
    prefix = f"{settings.CACHE_KEY_PREFIX}:presence"
    client = presence.presence_store()._client
    connections_key = f"{prefix}:connections:{ann.pk}"
    async with socket(ann), socket(ann, NOTIFICATIONS):
        assert await client.zcard(connections_key) == 2
        assert 0 < await client.pttl(connections_key) <= settings.PRESENCE_TTL_SECONDS * 1000
    assert not await client.exists(connections_key)
    # What is left is when Ann was last seen, and it expires too.
    assert [key async for key in client.scan_iter(f"{prefix}:*")] == [
        f"{prefix}:last_seen:{ann.pk}".encode()
    ]
    assert await client.ttl(f"{prefix}:last_seen:{ann.pk}") > 0


@redis_only
async def test_a_watcher_quiet_for_longer_than_the_layers_blocking_read_still_hears():
    viewer, ann = await make_user(), await make_user()
    async with socket(viewer) as ws:
        await watch(ws, ann.pk)
        # channels-redis waits for messages with 5-second blocking reads.
        assert await ws.receive_nothing(timeout=6)
        async with socket(ann):
            assert await ws.receive_json_from(timeout=2) == status(ann.pk, True)
