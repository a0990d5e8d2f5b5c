"""What every WebSocket route does with frames it cannot use, and how its sockets are counted.

Each route is reached through the deployed ASGI application. A bad frame is answered with
``{"type": "error", "code": "bad_request", "detail"}`` and the socket stays open; a socket
counts in ``rubysound_websocket_connections`` from its accept until it ends, however it ends.
"""

import asyncio
import contextlib
import json
import logging

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from prometheus_client import REGISTRY

from rubysound.asgi import application
from rubysound.core.websocket import BadFrame, RubySoundConsumer
from rubysound.core.websocket_frames import MAX_FRAME_CHARACTERS, MAX_FRAME_DEPTH
from rubysound.social.realtime import notifications_group
from tests.realtime import access_token, favorites, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clean_channel_layer"),
]

ROUTES = ["notifications", "comments", "presence"]


def nested(depth: int) -> str:
    """A valid ping frame whose ``pad`` is ``depth`` lists deep (the frame: one more)."""
    return '{"type": "ping", "pad": ' + "[" * depth + "]" * depth + "}"


BAD_FRAMES = {
    "not JSON": "not json",
    "a list": "[1, 2]",
    "a string": '"ping"',
    "a number": "7",
    "null": "null",
    "NaN": '{"type": "ping", "pad": NaN}',
    "unclosed": '{"type": "ping"',
    "deep and unclosed": "[" * 100_000,
    "too deep": nested(MAX_FRAME_DEPTH),
    "huge integer": '{"type": "ping", "pad": ' + "9" * 5_000 + "}",
    "oversized": '{"type": "ping", "pad": "' + "x" * MAX_FRAME_CHARACTERS + '"}',
    "unknown type": '{"type": "subscribe", "to": "everything"}',
    "type not a string": '{"type": ["ping"]}',
}


def connections(route: str) -> float:
    value = REGISTRY.get_sample_value("rubysound_websocket_connections", {"route": route})
    return value or 0.0


async def path_to(route: str) -> str:
    """A path where ``route`` accepts the socket: a signed-in user's, or a public Favorites."""
    user = await make_user()
    token = await access_token(user)
    if route == "notifications":
        return f"/ws/notifications/?token={token}"
    if route == "presence":
        return f"/ws/presence/?token={token}"
    await favorites(user)
    return f"/ws/comments/public/{user.username}/"


@contextlib.asynccontextmanager
async def open_socket(route: str):
    communicator = WebsocketCommunicator(application, await path_to(route))
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        if not communicator.future.done():
            await communicator.disconnect()


async def assert_bad_request(ws) -> None:
    message = await ws.receive_json_from(timeout=2)
    assert message["type"] == "error", message
    assert message["code"] == "bad_request"
    assert message["detail"]


async def assert_still_open(ws) -> None:
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=2) == {"type": "pong"}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_bad_text_frame_is_answered_with_an_error_and_changes_no_count(
    route, frame, caplog
):
    before = connections(route)
    with caplog.at_level(logging.WARNING):
        async with open_socket(route) as ws:
            assert connections(route) == before + 1
            await ws.send_to(text_data=frame)
            await assert_bad_request(ws)
            await assert_still_open(ws)
            assert connections(route) == before + 1
    assert connections(route) == before
    assert not [record for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("route", ROUTES)
async def test_a_binary_frame_is_answered_with_an_error_and_changes_no_count(route):
    before = connections(route)
    async with open_socket(route) as ws:
        await ws.send_to(bytes_data=b'{"type": "ping"}')
        await assert_bad_request(ws)
        await assert_still_open(ws)
    assert connections(route) == before


@pytest.mark.parametrize("route", ROUTES)
async def test_frames_at_the_limits_are_still_read(route):
    padding = MAX_FRAME_CHARACTERS - len('{"type": "ping", "pad": ""}')
    async with open_socket(route) as ws:
        await ws.send_to(text_data=nested(MAX_FRAME_DEPTH - 1))
        assert await ws.receive_json_from(timeout=2) == {"type": "pong"}
        await ws.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * padding}))
        assert await ws.receive_json_from(timeout=2) == {"type": "pong"}


async def test_brackets_inside_strings_are_text_not_depth():
    frame = json.dumps({"type": "ping", "pad": '["\\' + "[{" * MAX_FRAME_DEPTH})
    async with open_socket("notifications") as ws:
        await ws.send_to(text_data=frame)
        assert await ws.receive_json_from(timeout=2) == {"type": "pong"}


class EchoConsumer(RubySoundConsumer):
    """A route with a frame type of its own, as a consumer declares one."""

    route_name = "test_echo"
    frame_types = ("echo",)

    async def connect(self):
        await self.accept_connection()

    async def frame_echo(self, content):
        if not isinstance(content.get("text"), str):
            raise BadFrame('"text" must be a string.')
        await self.send_json({"type": "echoed", "text": content["text"]})


async def test_a_route_declares_its_frame_types_and_the_base_refuses_the_rest():
    ws = WebsocketCommunicator(EchoConsumer.as_asgi(), "/ws/echo/")
    assert (await ws.connect())[0]
    try:
        await ws.send_json_to({"type": "echo", "text": "hi"})
        assert await ws.receive_json_from(timeout=2) == {"type": "echoed", "text": "hi"}
        await ws.send_json_to({"type": "echo", "text": 7})
        assert await ws.receive_json_from(timeout=2) == {
            "type": "error",
            "code": "bad_request",
            "detail": '"text" must be a string.',
        }
        await ws.send_json_to({"type": "frame_echo"})
        assert await ws.receive_json_from(timeout=2) == {
            "type": "error",
            "code": "bad_request",
            "detail": '"type" must be one of: "ping", "echo".',
        }
        await assert_still_open(ws)
    finally:
        await ws.disconnect()


# --- Every way a socket ends ----------------------------------------------------------


async def test_a_socket_whose_handler_fails_is_closed_with_1011_and_uncounted(caplog):
    before = connections("notifications")
    user = await make_user()
    communicator = WebsocketCommunicator(
        application, f"/ws/notifications/?token={await access_token(user)}"
    )
    assert (await communicator.connect())[0]
    assert connections("notifications") == before + 1
    # A group message without its payload: the handler raises.
    await get_channel_layer().group_send(
        notifications_group(user.pk), {"type": "notification.push"}
    )
    assert await communicator.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": 1011,
    }
    await communicator.disconnect()
    assert connections("notifications") == before
    failures = [r for r in caplog.records if r.getMessage() == "websocket handler failed"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None


async def test_a_group_message_of_an_unknown_type_is_ignored():
    user = await make_user()
    communicator = WebsocketCommunicator(
        application, f"/ws/notifications/?token={await access_token(user)}"
    )
    assert (await communicator.connect())[0]
    # A newer server during a rolling deploy may send what this one has no handler for.
    await get_channel_layer().group_send(notifications_group(user.pk), {"type": "from.future"})
    await get_channel_layer().group_send(
        notifications_group(user.pk), {"type": "notification.push", "payload": {"type": "x"}}
    )
    assert await communicator.receive_json_from(timeout=2) == {"type": "x"}
    await communicator.disconnect()


@pytest.mark.parametrize("route", ROUTES)
async def test_a_socket_cancelled_without_its_disconnect_is_uncounted(route):
    """A forced shutdown cancels the socket's task: no disconnect handler runs."""
    before = connections(route)
    async with open_socket(route) as ws:
        assert connections(route) == before + 1
        ws.future.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ws.future
    assert connections(route) == before


@pytest.mark.parametrize("route", ROUTES)
async def test_a_client_gone_without_a_close_frame_is_uncounted(route):
    before = connections(route)
    async with open_socket(route) as ws:
        await ws.send_input({"type": "websocket.disconnect", "code": 1006})
        await asyncio.wait_for(ws.future, timeout=2)
    assert connections(route) == before


# --- Routes ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/notifications/extra/", "/", "/api/"])
async def test_an_unknown_path_is_closed_with_4404(path):
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": 4404,
    }
    await communicator.disconnect()
