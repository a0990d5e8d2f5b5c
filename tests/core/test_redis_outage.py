"""Redis is a cache, not a dependency of correctness: a live server whose Redis stops, or
freezes, keeps answering from the database, and picks Redis up again when it is back.

The server gets a Redis of its own (tests/redis_server.py) that the test stops, restarts and
pauses; the suite's own backend (and Redis, if any) is left alone.
"""

import json
import re
import time
import uuid

import httpx
import pytest
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.sync.client import connect

from tests.factories import (
    DEFAULT_PASSWORD,
    AlbumFactory,
    ArtistFactory,
    PlaylistFactory,
    TrackFactory,
    UserFactory,
)
from tests.redis_server import redis_server
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)

# Generous: a request hanging on a frozen Redis would take far longer (redis-py waits 5 s per
# command by default, several commands a page); a working server answers in well under it.
REQUEST_TIMEOUT = 10
RECOVERY_SECONDS = 20


@pytest.fixture
def redis():
    with redis_server() as server:
        yield server


def server_env(redis, prefix: str) -> dict:
    return {
        "REDIS_URL": redis.url,
        "CACHE_KEY_PREFIX": prefix,
        "THROTTLE_ENABLED": "true",
        # The tests post a comment per probe and per retry; the flood limit is not at issue.
        "THROTTLE_COMMENT_RATE": "1000/min",
        # Every request reaches Django (the in-process public cache would answer some).
        "EDGE_CACHE_ENABLED": "false",
    }


def catalog_and_people():
    listener = UserFactory(username="Maria")
    other = UserFactory(username="Noor")
    artist = ArtistFactory(name="Night Owls")
    album = AlbumFactory(artist=artist, title="Night Drive")
    track = TrackFactory(artist=artist, album=album, title="Night Train")
    playlist = PlaylistFactory(owner=listener)
    return listener, other, artist, album, track, playlist


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://", 1) + path


def probe_routes(base_url: str, people_and_catalog) -> dict[str, int]:
    """Status of every route of the issue's list, as anonymous, JWT and session clients."""
    listener, other, artist, album, track, playlist = people_and_catalog
    auth = bearer(listener)
    unique = uuid.uuid4().hex[:8]  # bypasses any cache keyed by the query
    anonymous_gets = [
        "/",
        f"/u/{listener.username}/",
        f"/music_api/index/?q=night{unique}",
        "/music_api/index/?q=night",
        f"/artists/{artist.pk}/",
        f"/albums/{album.pk}/",
        "/login/",
        "/signup/",
        "/api/tracks/",
        f"/api/tracks/{track.pk}/",
        "/api/artists/",
        f"/api/artists/{artist.pk}/",
        f"/api/albums/{album.pk}/",
        "/api/genres/",
        f"/music_api/search/?q=night{unique}",
        "/music_api/search/artists/?q=night",
        "/music_api/trending/",
        "/music_api/year-chart/",
        "/api/charts/artists/",
        "/api/charts/tracks/",
        "/api/charts/trending/artists/",
        "/api/charts/trending/tracks/",
        f"/api/playlists/public/{listener.username}/",
        f"/api/playlists/public/{listener.username}/comments/",
        "/api/playlists/public/trending/",
        "/api/schema/",
        "/health/live",
        "/metrics",
    ]
    signed_in_gets = [
        "/api/users/me/",
        "/api/playlists/",
        "/api/playlists/me/",
        f"/api/playlists/{playlist.pk}/",
        "/api/notifications/",
        "/api/listens/",
        "/api/listens/stats/",
    ]
    statuses = {}
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        for path in anonymous_gets:
            statuses[f"GET {path}"] = client.get(path).status_code
        for path in signed_in_gets:
            statuses[f"GET {path} (jwt)"] = client.get(path, headers=auth).status_code
        token = client.post(
            "/api/auth/token/", json={"username": other.username, "password": DEFAULT_PASSWORD}
        )
        statuses["POST /api/auth/token/"] = token.status_code
        if token.status_code == 200:
            refreshed = client.post(
                "/api/auth/token/refresh/", json={"refresh": token.json()["refresh"]}
            )
            statuses["POST /api/auth/token/refresh/"] = refreshed.status_code
        statuses["PATCH /api/users/me/ (jwt)"] = client.patch(
            "/api/users/me/", json={"bio": f"still here {unique}"}, headers=auth
        ).status_code
        statuses["POST comment (jwt)"] = client.post(
            f"/api/playlists/public/{listener.username}/comments/",
            json={"text": f"Redis or not {unique}"},
            headers=bearer(other),
        ).status_code
        statuses["POST like (jwt)"] = client.post(
            f"/api/playlists/public/{listener.username}/like/", headers=bearer(other)
        ).status_code
        statuses["POST /api/playlists/me/tracks/ (jwt)"] = client.post(
            "/api/playlists/me/tracks/", json={"track_id": track.pk}, headers=bearer(other)
        ).status_code
    statuses.update(session_routes(base_url, other))
    return statuses


def session_routes(base_url: str, user) -> dict[str, int]:
    """The login form (its POST included) and pages of a signed-in browser."""
    statuses = {}
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as browser:
        form = browser.get("/login/")
        statuses["GET /login/ (browser)"] = form.status_code
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        login = browser.post(
            "/login/",
            data={
                "username": user.username,
                "password": DEFAULT_PASSWORD,
                "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
            },
        )
        statuses["POST /login/"] = login.status_code
        signed_in = login.status_code == 302 and "sessionid" in browser.cookies
        statuses["POST /login/ signs in"] = 200 if signed_in else 401
        for path in ("/settings/profile/", "/playlists/", f"/u/{user.username}/"):
            statuses[f"GET {path} (session)"] = browser.get(path).status_code
    return statuses


def handshakes(base_url: str, listener) -> dict[str, str]:
    """Each WebSocket route: opened, and answering a ping."""
    token = RefreshToken.for_user(listener).access_token
    outcomes = {}
    for path in (
        f"/ws/notifications/?token={token}",
        f"/ws/presence/?token={token}",
        f"/ws/comments/public/{listener.username}/",
    ):
        route = path.split("?")[0]
        try:
            with connect(ws_url(base_url, path), open_timeout=REQUEST_TIMEOUT) as ws:
                ws.send(json.dumps({"type": "ping"}))
                outcomes[route] = json.loads(ws.recv(timeout=REQUEST_TIMEOUT))["type"]
        except Exception as exc:
            outcomes[route] = repr(exc)
    return outcomes


def server_errors(statuses: dict[str, int]) -> dict[str, int]:
    return {route: status for route, status in statuses.items() if status >= 500}


def wait_until_ready(base_url: str) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        if httpx.get(f"{base_url}/health/ready", timeout=REQUEST_TIMEOUT).status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"/health/ready not 200 within {RECOVERY_SECONDS} s of Redis returning")


def wait_for_cache_writes(base_url: str, redis, prefix: str) -> None:
    """Anonymous API calls write throttle entries: once Redis holds keys of ours, the server
    writes to it again."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    with redis.client() as client, httpx.Client(base_url=base_url, timeout=10) as http:
        while time.monotonic() < deadline:
            assert http.get("/api/genres/").status_code == 200
            if client.keys(f"{prefix}:*"):
                return
            time.sleep(0.1)
    raise AssertionError("the server did not write to Redis again after it came back")


def assert_comment_reaches_socket(base_url: str, listener, author) -> None:
    """A comment posted over HTTP reaches a socket watching the thread (through Redis)."""
    path = f"/ws/comments/public/{listener.username}/"
    text = f"Fan-out is back {uuid.uuid4().hex[:6]}"
    with connect(ws_url(base_url, path), open_timeout=REQUEST_TIMEOUT) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=REQUEST_TIMEOUT)) == {"type": "pong"}
        posted = httpx.post(
            f"{base_url}/api/playlists/public/{listener.username}/comments/",
            json={"text": text},
            headers=bearer(author),
            timeout=REQUEST_TIMEOUT,
        )
        assert posted.status_code == 201, posted.text
        message = json.loads(ws.recv(timeout=REQUEST_TIMEOUT))
    assert message["type"] == "playlist_comment_created"
    assert message["comment"]["text"] == text


def test_with_redis_stopped_every_route_answers_and_it_recovers_when_redis_returns(redis):
    world = catalog_and_people()
    listener, other = world[0], world[1]
    prefix = f"outage-{uuid.uuid4().hex[:6]}"
    with serve(env=server_env(redis, prefix)) as base_url:
        up = probe_routes(base_url, world)
        assert server_errors(up) == {}, "with Redis up"

        redis.stop()
        down = probe_routes(base_url, world)
        assert server_errors(down) == {}
        assert down["POST /login/ signs in"] == 200
        assert down["POST /api/auth/token/"] == 200
        assert handshakes(base_url, listener) == dict.fromkeys(
            ("/ws/notifications/", "/ws/presence/", f"/ws/comments/public/{listener.username}/"),
            "pong",
        )
        # The one place that says Redis is down.
        assert httpx.get(f"{base_url}/health/ready", timeout=REQUEST_TIMEOUT).status_code == 503

        redis.start()  # the same port, empty: as after a restart of an unpersisted Redis
        wait_until_ready(base_url)
        wait_for_cache_writes(base_url, redis, prefix)
        assert_comment_reaches_socket(base_url, listener, other)


def test_a_socket_opened_while_redis_was_down_gets_fan_out_once_it_is_back(redis):
    listener, other, *_ = catalog_and_people()
    with serve(env=server_env(redis, f"outage-{uuid.uuid4().hex[:6]}")) as base_url:
        redis.stop()
        path = f"/ws/comments/public/{listener.username}/"
        with connect(ws_url(base_url, path), open_timeout=REQUEST_TIMEOUT) as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=REQUEST_TIMEOUT)) == {"type": "pong"}
            redis.start()
            wait_until_ready(base_url)
            # The socket joined its group while Redis was away; it hears comments now.
            deadline = time.monotonic() + RECOVERY_SECONDS
            heard = None
            while heard is None and time.monotonic() < deadline:
                text = f"Anyone there? {uuid.uuid4().hex[:6]}"
                posted = httpx.post(
                    f"{base_url}/api/playlists/public/{listener.username}/comments/",
                    json={"text": text},
                    headers=bearer(other),
                    timeout=REQUEST_TIMEOUT,
                )
                assert posted.status_code == 201, posted.text
                try:
                    heard = json.loads(ws.recv(timeout=1))
                except TimeoutError:
                    continue
        assert heard["type"] == "playlist_comment_created"


def test_a_frozen_redis_costs_no_request_its_answer(redis):
    world = catalog_and_people()
    listener = world[0]
    with serve(env=server_env(redis, f"outage-{uuid.uuid4().hex[:6]}")) as base_url:
        assert server_errors(probe_routes(base_url, world)) == {}
        with redis.paused():
            frozen = probe_routes(base_url, world)
            assert server_errors(frozen) == {}
            assert frozen["POST /login/ signs in"] == 200
            assert set(handshakes(base_url, listener).values()) == {"pong"}
        wait_until_ready(base_url)
