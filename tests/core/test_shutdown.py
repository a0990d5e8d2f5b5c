"""A process that has begun shutting down, as clients see it inside the application:
readiness says 503, open sockets are closed with 1001, new sockets are told to go elsewhere.
(The signal handling itself runs in a real server process: test_server.py.)"""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from rubysound.asgi import application
from rubysound.core import shutdown
from tests.realtime import access_token, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draining(monkeypatch):
    """The process state after SIGTERM, for one test."""
    monkeypatch.setattr(shutdown.state, "draining", True)


@pytest.fixture
def fresh_state(monkeypatch):
    state = shutdown.ShutdownState()
    monkeypatch.setattr(shutdown, "state", state)
    return state


def test_readiness_is_503_once_shutdown_begins_without_running_checks(draining):
    response = Client().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "shutting_down"
    assert body["check"] == "ready"
    assert body["service"] == "rubysound"
    assert body["checks"] == {}
    assert set(body["critical_checks"]) >= {"database", "cache", "channel_layer"}


def test_liveness_still_answers_while_shutting_down(draining):
    assert Client().get("/health/live").status_code == 200


def test_readiness_is_200_before_shutdown():
    assert Client().get("/health/ready").status_code == 200


async def _connected_socket(user) -> WebsocketCommunicator:
    token = await access_token(user)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_open_sockets_are_closed_with_going_away(fresh_state):
    user = await make_user()
    first, second = await _connected_socket(user), await _connected_socket(user)
    assert len(fresh_state.sockets) == 2

    fresh_state.begin()
    task = asyncio.create_task(fresh_state.close_sockets(grace_seconds=2))
    for communicator in (first, second):
        message = await communicator.receive_output(timeout=2)
        assert message["type"] == "websocket.close"
        assert message["code"] == shutdown.GOING_AWAY
        await communicator.disconnect()
    assert await task == 2
    assert fresh_state.sockets == set()


async def test_a_socket_opened_while_shutting_down_is_told_to_go_away(fresh_state):
    fresh_state.begin()
    user = await make_user()
    token = await access_token(user)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected  # accepted, so that the client sees the close code
    message = await communicator.receive_output(timeout=2)
    assert message == {"type": "websocket.close", "code": shutdown.GOING_AWAY}
    await communicator.disconnect()
    assert fresh_state.sockets == set()


async def test_closing_with_no_sockets_open_returns_at_once(fresh_state):
    assert await fresh_state.close_sockets(grace_seconds=5) == 0
