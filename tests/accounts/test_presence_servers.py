"""Presence across two real server processes sharing Redis, including one that is killed.

Only with ``REDIS_URL``: without it each process has its own store and channel layer (the
embedded install runs one process).
"""

import contextlib
import json
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from rubysound.accounts import presence
from tests.factories import UserFactory
from tests.servers import serve_many

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)"),
]

# Whole seconds: the servers read them from the environment as integers.
FAST_PRESENCE = {"PRESENCE_HEARTBEAT_SECONDS": "1", "PRESENCE_TTL_SECONDS": "2"}


def ws_url(base_url: str, path: str, user) -> str:
    token = RefreshToken.for_user(user).access_token
    return f"{base_url.replace('http://', 'ws://')}{path}?token={token}"


def receive(ws, timeout: float = 5) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def watch(ws, user_id: int) -> dict:
    ws.send(json.dumps({"action": "watch_user", "user_id": user_id}))
    return receive(ws)


def kill_server(base_url: str) -> None:
    """SIGKILL, as a crash: no shutdown code runs. Only a uvicorn this test process started."""
    port_argument = f"--port={base_url.rsplit(':', 1)[1]}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if port_argument in arguments and parent == os.getpid():
                os.kill(int(entry.name), signal.SIGKILL)
                return
    raise AssertionError(f"no server process of ours on {base_url}")


def test_a_watcher_on_one_server_follows_a_user_on_another():
    viewer, ann = UserFactory(), UserFactory()
    with (
        serve_many(2, env=FAST_PRESENCE) as (first, second),
        connect(ws_url(second, "/ws/presence/", viewer)) as watcher,
    ):
        assert watch(watcher, ann.pk)["is_online"] is False
        with connect(ws_url(first, "/ws/notifications/", ann)):
            assert receive(watcher)["is_online"] is True
        offline = receive(watcher)
    assert offline["is_online"] is False
    assert offline["last_seen_iso"] is not None


def test_a_user_whose_server_is_killed_goes_offline_within_the_ttl():
    viewer, ann = UserFactory(), UserFactory()
    with (
        serve_many(2, env=FAST_PRESENCE) as (doomed, surviving),
        connect(ws_url(surviving, "/ws/presence/", viewer)) as watcher,
        connect(ws_url(doomed, "/ws/presence/", ann)),
    ):
        assert watch(watcher, ann.pk)["is_online"] is True
        heartbeat_seen = async_to_sync(presence.read_presence)([ann.pk])[ann.pk].last_seen
        kill_server(doomed)
        killed_at = time.time()  # no heartbeat after this: SIGKILL is delivered at once
        # Within the TTL (2 s) plus one heartbeat of the watcher (1 s), with room for two
        # busy shared cores: offline is only ever noticed through the expired entry.
        offline = receive(watcher, timeout=6)
    assert offline["is_online"] is False
    # Last seen at Ann's last heartbeat on the dead server: the one read before the kill, or
    # a later one (microseconds: the ISO string's precision).
    last_seen = datetime.fromisoformat(offline["last_seen_iso"].replace("Z", "+00:00"))
    assert heartbeat_seen - 1e-6 <= last_seen.timestamp() <= killed_at
