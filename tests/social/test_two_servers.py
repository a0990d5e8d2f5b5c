"""Two real server processes share one Redis channel layer: a write on one server reaches the
sockets open on the other, as behind a load balancer with several replicas."""

import json
import time

import httpx
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from tests.factories import UserFactory
from tests.servers import serve_many

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]


def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def websocket_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=5))


@pytest.fixture(scope="module")
def servers(django_db_setup):
    """Started once for the module: the tests' data is flushed between tests, the servers
    read whatever is committed."""
    with serve_many(2) as (server_a, server_b):
        yield server_a, server_b


def test_a_comment_posted_on_one_server_reaches_viewers_on_the_other(servers):
    server_a, server_b = servers
    UserFactory(username="Maria")
    author = UserFactory()
    with connect(websocket_url(server_a, "/ws/comments/public/maria/"), open_timeout=5) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}
        response = httpx.post(
            f"{server_b}/api/playlists/public/maria/comments/",
            json={"text": "Heard on the other server"},
            headers={"Authorization": f"Bearer {access_token(author)}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        message = receive(ws)
    assert message["type"] == "playlist_comment_created"
    assert message["comment"]["id"] == response.json()["id"]
    assert message["comment"]["text"] == "Heard on the other server"
    assert message["comment"]["can_delete"] is False  # an anonymous viewer


def test_a_like_on_one_server_notifies_the_owner_on_the_other(servers):
    server_a, server_b = servers
    owner = UserFactory(username="Maria")
    fan = UserFactory()
    notifications = websocket_url(server_a, f"/ws/notifications/?token={access_token(owner)}")
    with connect(notifications, open_timeout=5) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}
        response = httpx.post(
            f"{server_b}/api/playlists/public/maria/like/",
            headers={"Authorization": f"Bearer {access_token(fan)}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        message = receive(ws)
    assert message["type"] == "playlist_like"
    assert message["likes_count"] == 1


def test_quiet_sockets_outlive_the_channel_layers_blocking_read(servers):
    """Each server waits for its sockets' messages with a 5 s blocking read on Redis; a
    client-side read timeout no longer than that dropped a quiet socket every 5 s."""
    server_a, server_b = servers
    UserFactory(username="Maria")
    author = UserFactory()
    url = "/ws/comments/public/maria/"
    with (
        connect(websocket_url(server_a, url), open_timeout=5) as on_a,
        connect(websocket_url(server_b, url), open_timeout=5) as on_b,
    ):
        time.sleep(6)
        response = httpx.post(
            f"{server_b}/api/playlists/public/maria/comments/",
            json={"text": "Still there?"},
            headers={"Authorization": f"Bearer {access_token(author)}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        assert receive(on_a)["comment"]["text"] == "Still there?"
        assert receive(on_b)["comment"]["text"] == "Still there?"
