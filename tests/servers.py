"""Real uvicorn servers on the pytest test database, for tests that need a live server.

    from tests.servers import serve, serve_many

    @pytest.mark.django_db(transaction=True)
    def test_something(user):
        with serve() as base_url:                 # "http://127.0.0.1:<port>"
            httpx.get(f"{base_url}/health/live")

        with serve_many(2) as (a, b):             # two processes, started side by side
            ...

``serve(*, env=None, timeout=30)`` starts ``uvicorn rubysound.asgi:application`` on a free
127.0.0.1 port as a subprocess, waits until ``/health/live`` answers, yields the base URL, then
terminates and reaps the process. ``serve_many(count, *, env=None, timeout=30)`` does the same
for several processes at once and yields their URLs in a list.

What the server shares with the test process:

- the database: the pytest TEST database on both backends. On SQLite that database is a file
  (``tests/conftest.py`` makes it one; an in-memory database is invisible to other processes).
  Use ``django_db(transaction=True)``: a plain ``django_db`` test keeps its data in a
  transaction the server cannot see (on SQLite it would also hold the write lock), so
  ``serve`` refuses to start inside one.
- Redis (``REDIS_URL``, ``CACHE_KEY_PREFIX``) for the cache and the channel layer, from the
  environment: group messages sent by the test process or by another server reach sockets
  on this one. Without Redis each server has its own in-memory cache and channel layer.
- ``SECRET_KEY`` (JWTs minted in the test verify), ``PASSWORD_HASHERS`` (users made by the
  factories can sign in), ``MEDIA_ROOT``, ``COVER_CACHE_DIR`` and ``LIBRARY_DIRS``, as the
  test's ``settings`` hold them when the server starts (see ``tests/server_settings.py``).
  Any other setting comes from the environment: pass ``env={"NAME": "value"}``.

The server logs at WARNING level. Its output is shown if it fails to start, and written to
the test's captured stderr when it stops, so a failing test shows the server's tracebacks.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
UVICORN = str(Path(sys.executable).parent / "uvicorn")
SHARED_SETTINGS = (
    "SECRET_KEY",
    "PASSWORD_HASHERS",
    "MEDIA_ROOT",
    "COVER_CACHE_DIR",
    "LIBRARY_DIRS",
)
PORT_ATTEMPTS = 3


class ServerDidNotStart(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _encoded(value):
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, list | tuple):
        return [_encoded(item) for item in value]
    return value


def _test_database_name() -> str:
    database = settings.DATABASES["default"]
    name = str(database["NAME"])
    if connection.vendor == "sqlite":
        is_test_database = name == str((database.get("TEST") or {}).get("NAME"))
    else:
        is_test_database = name.startswith("test_")
    if not is_test_database:
        raise RuntimeError(
            "serve() runs on the pytest test database: mark the test "
            "django_db(transaction=True) (the database is not set up)"
        )
    if connection.in_atomic_block:
        raise RuntimeError(
            "serve() cannot see data inside the test's transaction: mark the test "
            "django_db(transaction=True)"
        )
    return name


def _server_environment(extra: dict | None) -> dict:
    shared = {name: _encoded(getattr(settings, name)) for name in SHARED_SETTINGS}
    shared["DATABASE_NAME"] = _test_database_name()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "RUBYSOUND_TEST_SERVER_SETTINGS": json.dumps(shared),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(extra or {}),
    }


class _Server:
    """One uvicorn process; its output goes to a temporary file (a pipe could fill up)."""

    def __init__(self, env: dict):
        self.env = env
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = _free_port()
        self.log.seek(0)
        self.log.truncate()
        self.process = subprocess.Popen(  # noqa: S603 - our own uvicorn, fixed arguments
            [
                UVICORN,
                "rubysound.asgi:application",
                "--host=127.0.0.1",
                f"--port={self.port}",
                "--loop=uvloop",
                "--http=httptools",
                "--no-proxy-headers",
                "--no-server-header",
                "--no-access-log",
                "--log-level=warning",
                "--timeout-graceful-shutdown=2",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def is_up(self) -> bool:
        """Polls once; raises if the process has exited."""
        if self.process.poll() is not None:
            raise ServerDidNotStart(
                f"uvicorn exited with {self.process.returncode}:\n{self.output()[-6000:]}"
            )
        try:
            return httpx.get(f"{self.base_url}/health/live", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self.stop()
        output = self.output().strip()
        if output:
            # Captured by pytest and shown with a failing test.
            print(f"--- server {self.base_url} ---\n{output}", file=sys.stderr)
        self.log.close()


def _wait_until_up(servers: list[_Server], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(servers)
    attempts = dict.fromkeys(map(id, servers), 1)
    while waiting:
        for server in list(waiting):
            try:
                if server.is_up():
                    waiting.remove(server)
            except ServerDidNotStart:
                # Another process may have taken the port between our probe and uvicorn's
                # bind: try another one.
                in_use = "address already in use" in server.output().lower()
                if not in_use or attempts[id(server)] >= PORT_ATTEMPTS:
                    raise
                attempts[id(server)] += 1
                server.start()
        if waiting and time.monotonic() > deadline:
            raise ServerDidNotStart(
                f"no answer from /health/live within {timeout} s:\n{waiting[0].output()[-6000:]}"
            )
        if waiting:
            time.sleep(0.1)


@contextlib.contextmanager
def serve_many(count: int, *, env: dict | None = None, timeout: float = 30) -> Iterator[list[str]]:
    """``count`` servers on the test database, started side by side; yields their URLs."""
    server_env = _server_environment(env)
    servers = [_Server(server_env) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        _wait_until_up(servers, timeout)
        yield [server.base_url for server in servers]
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            server.close()


@contextlib.contextmanager
def serve(*, env: dict | None = None, timeout: float = 30) -> Iterator[str]:
    """One server on the test database; yields ``http://127.0.0.1:<port>``."""
    with serve_many(1, env=env, timeout=timeout) as (base_url,):
        yield base_url
