"""Readiness of a server whose sockets wait on the Redis channel layer.

channels-redis reads a process's channels of one kind with one blocking read at a time: a
readiness probe on a channel of another kind waited behind an open socket's read, timed out,
and answered 503 as long as any socket was open.
"""

import contextlib
import json

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.factories import UserFactory
from tests.redis_server import redis_server
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def redis_env():
    """The suite's Redis, or one of our own on the embedded backend."""
    if settings.REDIS_URL:
        yield {}
        return
    with redis_server() as redis:
        yield {"REDIS_URL": redis.url}


def test_a_server_with_a_quiet_socket_open_is_ready():
    UserFactory(username="Maria")
    with redis_env() as env, serve(env=env) as base_url:
        socket_url = base_url.replace("http://", "ws://", 1) + "/ws/comments/public/maria/"
        with connect(socket_url, open_timeout=10) as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
            ready = httpx.get(f"{base_url}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["channel_layer"]["ok"] is True
