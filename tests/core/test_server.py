"""Graceful shutdown of ``python -m rubysound.core.server``, as a real process sees SIGTERM:
in-flight requests finish, WebSockets close with 1001, readiness turns 503, the process exits."""

import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.core.shutdown_urls import STARTED_FILE
from tests.factories import UserFactory
from tests.servers import BASE_DIR, START_TIMEOUT_SECONDS, _free_port, _server_environment

pytestmark = pytest.mark.django_db(transaction=True)

EXIT_WAIT_SECONDS = 30  # Kubernetes' grace period: SIGKILL comes after it


class GracefulProcess:
    def __init__(self, env: dict):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [sys.executable, "-m", "rubysound.core.server", f"--port={self.port}"],
            cwd=BASE_DIR,
            env=_server_environment(
                {"DJANGO_SETTINGS_MODULE": "tests.core.shutdown_server_settings", **env}
            ),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_until_up(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base_url}/health/live", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"server did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        output = self.output().strip()
        if output:
            print(f"--- server {self.base_url} ---\n{output}", file=sys.stderr)
        self.log.close()


@pytest.fixture
def start_server():
    started: list[GracefulProcess] = []

    def start(**env) -> GracefulProcess:
        server = GracefulProcess({name: str(value) for name, value in env.items()})
        started.append(server)
        server.wait_until_up()
        return server

    yield start
    for server in started:
        server.stop()


class InFlight(threading.Thread):
    """A request running in the background; ``result`` is its response or its error."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.result: httpx.Response | Exception | None = None

    def run(self) -> None:
        try:
            self.result = httpx.get(self.url, timeout=30)
        except Exception as exc:
            self.result = exc


@contextlib.contextmanager
def _notifications_socket(base_url: str, user):
    token = str(RefreshToken.for_user(user).access_token)
    ws_url = base_url.replace("http://", "ws://", 1) + f"/ws/notifications/?token={token}"
    with connect(ws_url, open_timeout=5) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
        yield ws


def _close_code(ws) -> int | None:
    """Waits for the server to close the socket; the close code it sent (None: no frame)."""
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def _wait_for(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"condition not met within {timeout} s")


def _ready_response(base_url: str) -> httpx.Response:
    return httpx.get(f"{base_url}/health/ready", timeout=2)


def _refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.ConnectError:
        return True
    return False


def _in_flight_started(server: GracefulProcess, seconds: float) -> InFlight:
    started = Path(settings.MEDIA_ROOT) / STARTED_FILE
    started.unlink(missing_ok=True)
    request = InFlight(f"{server.base_url}/test/slow?seconds={seconds}")
    request.start()
    # The answer only comes at the end: the view says when it has begun.
    _wait_for(started.exists)
    assert request.result is None, request.result
    return request


def test_sigterm_drains_then_finishes_requests_closes_sockets_and_exits(start_server):
    server = start_server(SHUTDOWN_DRAIN_SECONDS=2, SHUTDOWN_TIMEOUT_SECONDS=20)
    with _notifications_socket(server.base_url, UserFactory()) as ws:
        request = _in_flight_started(server, seconds=4)

        server.process.send_signal(signal.SIGTERM)

        # Draining: still answering, but no longer ready.
        _wait_for(lambda: _ready_response(server.base_url).status_code == 503)
        ready = _ready_response(server.base_url)
        assert ready.status_code == 503
        assert ready.json()["status"] == "shutting_down"
        assert ready.json()["check"] == "ready"
        assert httpx.get(f"{server.base_url}/health/live", timeout=2).status_code == 200

        # After the drain window: every socket closed with "going away", no new connections.
        assert _close_code(ws) == 1001
    _wait_for(lambda: _refused(f"{server.base_url}/health/live"))

    # The request that was running when the signal came is answered in full.
    request.join(timeout=EXIT_WAIT_SECONDS)
    assert isinstance(request.result, httpx.Response), request.result
    assert request.result.status_code == 200
    assert request.result.json() == {"slept": 4.0}

    server.process.wait(timeout=EXIT_WAIT_SECONDS)
    assert server.process.returncode in (0, -signal.SIGTERM)
    assert "Traceback" not in server.output()


def test_without_a_drain_window_sigterm_stops_accepting_at_once(start_server):
    server = start_server(SHUTDOWN_DRAIN_SECONDS=0)
    with _notifications_socket(server.base_url, UserFactory()) as ws:
        request = _in_flight_started(server, seconds=3)

        server.process.send_signal(signal.SIGTERM)

        assert _close_code(ws) == 1001
    _wait_for(lambda: _refused(f"{server.base_url}/health/ready"))
    request.join(timeout=EXIT_WAIT_SECONDS)
    assert isinstance(request.result, httpx.Response), request.result
    assert request.result.json() == {"slept": 3.0}
    server.process.wait(timeout=EXIT_WAIT_SECONDS)
    assert server.process.returncode in (0, -signal.SIGTERM)


def test_a_request_longer_than_the_budget_is_cut_and_the_process_still_exits(start_server):
    server = start_server(SHUTDOWN_TIMEOUT_SECONDS=3)
    request = _in_flight_started(server, seconds=60)

    server.process.send_signal(signal.SIGTERM)

    server.process.wait(timeout=EXIT_WAIT_SECONDS)
    request.join(timeout=EXIT_WAIT_SECONDS)
    assert not isinstance(request.result, httpx.Response) or request.result.status_code >= 500
