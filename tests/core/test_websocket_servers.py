"""WebSocket routes of a real uvicorn server: bad frames, unknown paths, and the connection
gauge of ``/metrics`` as Prometheus reads it, with one worker and with two (one killed)."""

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from rubysound.core.websocket_frames import MAX_FRAME_CHARACTERS, MAX_FRAME_DEPTH
from tests.factories import UserFactory, favorites_of
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)

GAUGE = "rubysound_websocket_connections"
DEADLINE_SECONDS = 20

BAD_FRAMES = [
    "not json",
    b'{"type": "ping"}',
    "[1, 2]",
    '{"type": "subscribe"}',
    '{"type": "ping", "pad": ' + "[" * (MAX_FRAME_DEPTH + 1) + "]" * (MAX_FRAME_DEPTH + 1) + "}",
    "[" * 100_000,
    '{"type": "ping", "pad": ' + "9" * 5_000 + "}",
    '{"type": "ping", "pad": "' + "x" * MAX_FRAME_CHARACTERS + '"}',
]


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def notifications_path(user) -> str:
    return f"/ws/notifications/?token={RefreshToken.for_user(user).access_token}"


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=5))


def gauge(base_url: str) -> dict[str, float]:
    """The connection gauge by route, as /metrics reports it."""
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        if family.name == GAUGE:
            return {sample.labels["route"]: sample.value for sample in family.samples}
    return {}


def wait_for_gauge(base_url: str, expected: dict[str, float]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (seen := {route: gauge(base_url).get(route, 0.0) for route in expected}) != expected:
        assert time.monotonic() < deadline, f"gauge {seen}, expected {expected}"
        time.sleep(0.1)


def test_bad_frames_and_unknown_paths_get_answers_and_leave_no_socket_counted(capsys):
    viewer, owner = UserFactory(), UserFactory()
    favorites_of(owner)
    paths = {
        "notifications": notifications_path(viewer),
        "comments": f"/ws/comments/public/{owner.username}/",
    }
    with serve() as base_url:
        for route, path in paths.items():
            with connect(ws_url(base_url, path)) as ws:
                wait_for_gauge(base_url, {route: 1.0})
                for frame in BAD_FRAMES:
                    ws.send(frame)
                    answer = receive(ws)
                    assert (answer["type"], answer["code"]) == ("error", "bad_request")
                ws.send(json.dumps({"type": "ping"}))
                assert receive(ws) == {"type": "pong"}
                assert gauge(base_url)[route] == 1.0
        with connect(ws_url(base_url, "/ws/nope/")) as ws, pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4404
        wait_for_gauge(base_url, dict.fromkeys(paths, 0.0))
    server_output = capsys.readouterr().err
    assert "Traceback" not in server_output
    assert "Exception in ASGI application" not in server_output


# --- Two workers, one killed -------------------------------------------------------------


def open_sockets_by_worker(directory: Path) -> dict[int, float]:
    """Each worker's open notification sockets, read from its own live-gauge file."""
    counts = {}
    for path in directory.glob("gauge_livesum_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        with contextlib.suppress(FileNotFoundError):  # a dead worker's file, being removed
            for metric in MultiProcessCollector.merge([str(path)], accumulate=False):
                for sample in metric.samples:
                    if metric.name == GAUGE and sample.labels["route"] == "notifications":
                        counts[pid] = sample.value
    return counts


def wait_for_workers(directory: Path, count: int) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(open_sockets_by_worker(directory)) < count:
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)


def kill_worker(pid: int) -> None:
    """SIGKILL, as a crash: no exit code runs. Only a worker of a uvicorn we started."""
    supervisor = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    grandparent = int(Path(f"/proc/{supervisor}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert grandparent == os.getpid(), f"{pid} is not a worker of our server"
    os.kill(pid, signal.SIGKILL)


def test_a_killed_workers_sockets_stop_counting(tmp_path):
    metrics_directory = tmp_path / "prometheus"
    metrics_directory.mkdir()
    user = UserFactory()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_directory)}
    with serve(env=env, workers=2) as base_url, contextlib.ExitStack() as sockets:
        wait_for_workers(metrics_directory, 2)
        for _ in range(8):
            ws = sockets.enter_context(connect(ws_url(base_url, notifications_path(user))))
            ws.send(json.dumps({"type": "ping"}))
            assert receive(ws) == {"type": "pong"}
        wait_for_gauge(base_url, {"notifications": 8.0})
        by_worker = open_sockets_by_worker(metrics_directory)
        victim = max(by_worker, key=by_worker.get)
        survivors = sum(by_worker.values()) - by_worker[victim]

        kill_worker(victim)

        # uvicorn replaces the worker; /metrics counts the sockets still open, and only them.
        wait_for_gauge(base_url, {"notifications": survivors})
