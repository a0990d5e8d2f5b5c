"""``/ws/notifications/`` through the deployed ASGI application, as a browser or app meets it."""

import contextlib
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from rubysound.asgi import application
from rubysound.social.realtime import notifications_group, push_to_user
from tests.realtime import access_token, assert_nothing_pushed_to_user, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_channel_layer"),
]

PATH = "/ws/notifications/"
SAME_SITE = [(b"origin", b"http://testserver")]


@database_sync_to_async
def refresh_token(user) -> str:
    return str(RefreshToken.for_user(user))


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}".encode()


@contextlib.asynccontextmanager
async def socket(path=PATH, headers=None, subprotocols=None):
    communicator = WebsocketCommunicator(
        application, path, headers=headers or [], subprotocols=subprotocols
    )
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def assert_closed_with(communicator, code: int) -> None:
    message = await communicator.receive_output(timeout=1)
    assert message == {"type": "websocket.close", "code": code}


async def assert_connected(communicator, subprotocol=None) -> None:
    connected, chosen = await communicator.connect()
    assert connected, f"refused with {chosen}"
    assert chosen == subprotocol
    # Still open: a ping is answered rather than the socket being closed.
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}


def connections() -> float:
    value = REGISTRY.get_sample_value("rubysound_websocket_connections", {"route": "notifications"})
    return value or 0.0


# --- Authentication -------------------------------------------------------------------


async def test_anonymous_is_accepted_then_closed_with_4401():
    async with socket(headers=SAME_SITE) as ws:
        connected, _ = await ws.connect()
        # Accepted first, so the browser sees a close code it can act on.
        assert connected
        await assert_closed_with(ws, 4401)


async def test_jwt_in_the_query_string_connects():
    user = await make_user()
    token = await access_token(user)
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)


async def test_jwt_as_subprotocol_connects_and_bearer_is_the_accepted_protocol():
    user = await make_user()
    token = await access_token(user)
    async with socket(headers=SAME_SITE, subprotocols=["bearer", token]) as ws:
        await assert_connected(ws, subprotocol="bearer")


async def test_session_cookie_connects():
    user = await make_user()
    cookie = await session_cookie(user)
    async with socket(headers=[*SAME_SITE, (b"cookie", cookie)]) as ws:
        await assert_connected(ws)


@pytest.mark.parametrize("kind", ["garbage", "refresh", "expired", "inactive_user"])
async def test_unusable_tokens_are_closed_with_4401(kind):
    user = await make_user()
    if kind == "garbage":
        token = "not.a.token"
    elif kind == "refresh":
        token = await refresh_token(user)
    elif kind == "expired":
        expired = AccessToken.for_user(user)
        expired.set_exp(lifetime=timedelta(seconds=-5))
        token = str(expired)
    else:
        token = await access_token(user)
        user.is_active = False
        await database_sync_to_async(user.save)()
    async with socket(f"{PATH}?token={token}") as ws:
        assert (await ws.connect())[0]
        await assert_closed_with(ws, 4401)


async def test_a_bad_subprotocol_token_is_still_told_4401_in_its_own_protocol():
    async with socket(subprotocols=["bearer", "not.a.token"]) as ws:
        connected, chosen = await ws.connect()
        assert connected
        assert chosen == "bearer"
        await assert_closed_with(ws, 4401)


async def test_a_forged_session_cookie_is_anonymous():
    async with socket(headers=[*SAME_SITE, (b"cookie", b"sessionid=forged")]) as ws:
        assert (await ws.connect())[0]
        await assert_closed_with(ws, 4401)


# --- Origin checks (cross-site WebSocket hijacking) -----------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",
        b"https://testserver.evil.example",
        b"http://eviltestserver",
        b"null",
    ],
)
async def test_a_cross_site_page_is_refused_even_with_the_visitors_cookie(origin):
    user = await make_user()
    cookie = await session_cookie(user)
    async with socket(headers=[(b"origin", origin), (b"cookie", cookie)]) as ws:
        connected, _ = await ws.connect()
        assert not connected


@pytest.mark.parametrize("origin", [b"http://testserver", b"https://localhost:8443"])
async def test_our_own_pages_are_allowed(origin):
    user = await make_user()
    cookie = await session_cookie(user)
    async with socket(headers=[(b"origin", origin), (b"cookie", cookie)]) as ws:
        await assert_connected(ws)


async def test_clients_without_an_origin_are_allowed_to_authenticate():
    user = await make_user()
    token = await access_token(user)
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)


# --- Messages -------------------------------------------------------------------------


async def test_a_group_message_reaches_the_users_socket():
    user = await make_user()
    token = await access_token(user)
    payload = {"type": "playlist_like", "from_username": "ann", "likes_count": 3}
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)
        await get_channel_layer().group_send(
            notifications_group(user.pk), {"type": "notification.push", "payload": payload}
        )
        assert await ws.receive_json_from() == payload


async def test_push_to_user_reaches_every_open_socket_of_that_user_only():
    ann, bob = await make_user(), await make_user()
    ann_token, bob_token = await access_token(ann), await access_token(bob)
    payload = {"type": "playlist_like_removed", "likes_count": 2}
    async with (
        socket(f"{PATH}?token={ann_token}") as phone,
        socket(f"{PATH}?token={ann_token}") as laptop,
        socket(f"{PATH}?token={bob_token}") as other,
    ):
        for ws in (phone, laptop, other):
            await assert_connected(ws)
        # What a service calls after its transaction commits (sync code).
        await database_sync_to_async(push_to_user)(ann.pk, payload)
        assert await phone.receive_json_from() == payload
        assert await laptop.receive_json_from() == payload
        await assert_nothing_pushed_to_user(other, bob)


async def test_ping_is_answered_and_unknown_messages_are_told_so():
    user = await make_user()
    token = await access_token(user)
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)
        # Every bad frame on every route: tests/core/test_websocket_frames.py.
        for frame in ({"type": "subscribe", "to": "everything"}, ["not", "an", "object"]):
            await ws.send_json_to(frame)
            assert (await ws.receive_json_from())["code"] == "bad_request"
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from() == {"type": "pong"}


async def test_a_closed_socket_leaves_the_group():
    user = await make_user()
    token = await access_token(user)
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)
    assert await group_members(notifications_group(user.pk)) == 0


async def group_members(group: str) -> int:
    """How many channels a group holds, on the in-memory or the Redis layer."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zcard(layer._group_key(group))


# --- Metrics --------------------------------------------------------------------------


async def test_open_connections_are_counted_and_refusals_are_not():
    before = connections()
    user = await make_user()
    token = await access_token(user)
    async with socket(f"{PATH}?token={token}") as ws:
        await assert_connected(ws)
        assert connections() == before + 1
        async with socket() as anonymous:
            await anonymous.connect()
            await assert_closed_with(anonymous, 4401)
            assert connections() == before + 1
    assert connections() == before
