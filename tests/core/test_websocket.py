"""The WebSocket base's connection listeners: what another app hears of signed-in sockets."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from rubysound.accounts.models import User
from rubysound.core import websocket
from rubysound.core.websocket import ConnectionListener, RubySoundConsumer

# No query is made, but Channels closes stale database connections around each message.
pytestmark = pytest.mark.django_db


class ListenedConsumer(RubySoundConsumer):
    route_name = "test_listeners"

    async def connect(self):
        await self.accept_connection()


class Recorder:
    """A listener that writes down what it hears, and can be told to fail."""

    def __init__(self, *, fail: bool = False):
        self.events: list[tuple[str, int]] = []
        self.heard_heartbeat = asyncio.Event()
        self.fail = fail

    def listener(self, name: str) -> ConnectionListener:
        async def hear(event: str, user_id: int, channel_name: str) -> None:
            assert channel_name
            self.events.append((event, user_id))
            if event == "heartbeat":
                self.heard_heartbeat.set()
            if self.fail:
                raise RuntimeError("store down")

        return ConnectionListener(
            name=name,
            connected=lambda user_id, channel: hear("connected", user_id, channel),
            heartbeat=lambda user_id, channel: hear("heartbeat", user_id, channel),
            disconnected=lambda user_id, channel: hear("disconnected", user_id, channel),
        )


@pytest.fixture
def listen(monkeypatch):
    """Registers listeners for one test, in place of the apps' own (presence would write to
    its store and the database)."""
    monkeypatch.setattr(websocket, "_connection_listeners", [])

    def add(recorder: Recorder, name: str = "recorder") -> Recorder:
        websocket.add_connection_listener(recorder.listener(name))
        return recorder

    return add


def communicator(user) -> WebsocketCommunicator:
    app = ListenedConsumer.as_asgi()

    async def signed_in_as(scope, receive, send):
        return await app({**scope, "user": user}, receive, send)

    return WebsocketCommunicator(signed_in_as, "/ws/test/")


async def test_a_signed_in_socket_is_heard_opening_beating_and_closing(listen, settings):
    settings.PRESENCE_HEARTBEAT_SECONDS = 0.05
    recorder = listen(Recorder())
    ws = communicator(User(pk=7, username="ann"))
    connected, _ = await ws.connect()
    assert connected
    assert recorder.events == [("connected", 7)]
    await asyncio.wait_for(recorder.heard_heartbeat.wait(), timeout=5)
    await ws.disconnect()
    assert recorder.events[-1] == ("disconnected", 7)
    assert {event for event, _ in recorder.events} == {"connected", "heartbeat", "disconnected"}


async def test_an_anonymous_socket_is_not_announced(listen):
    recorder = listen(Recorder())
    ws = communicator(AnonymousUser())
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()
    assert recorder.events == []


async def test_a_failing_listener_costs_neither_the_socket_nor_the_others(listen, caplog):
    listen(Recorder(fail=True), name="flaky")
    recorder = listen(Recorder())
    ws = communicator(User(pk=8, username="bob"))
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=2) == {"type": "pong"}
    await ws.disconnect()
    assert recorder.events == [("connected", 8), ("disconnected", 8)]
    assert "flaky registration failed" in caplog.text
    assert "flaky removal failed" in caplog.text
