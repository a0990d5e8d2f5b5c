"""Real uvicorn servers on the pytest test database, for tests that need a live server.

    from tests.servers import serve, serve_many

    @pytest.mark.django_db(transaction=True)
    def test_something(user):
        with serve() as base_url:                 # "http://127.0.0.1:<port>"
            httpx.get(f"{base_url}/health/live")

        with serve_many(2) as (a, b):             # two processes, started side by side
            ...

``serve(*, env=None, timeout=120)`` starts ``uvicorn rubysound.asgi:application`` on a free
127.0.0.1 port as a subprocess, waits until ``/health/live`` answers, yields the base URL, then
terminates and reaps the process. ``serve_many(count, *, env=None, timeout=120)`` does the same
for several processes at once and yields their URLs in a list. ``serve_process(command=...,
*, env=None, open_files=None)`` starts one process from another command line (such as
``python -m rubysound.core.server``), optionally under a given open-file limit, and yields
the server itself (``base_url``, ``port``, ``process``) for tests that inspect the process;
with ``port=free_port()`` it can be stopped and restarted on the same port (a peer that goes
away and comes back). ``server_environment()`` is the servers' environment, for another
process on the test database (``manage.py scrobble_worker``).
``workers=n`` (serve, serve_many) runs each server as uvicorn's supervisor with n worker
processes on its port, as ``make run`` does. ``tls=self_signed_tls(tmp_path)`` serves HTTPS
with a certificate made for the test, for clients that only speak HTTPS (pylast).

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
import dataclasses
import functools
import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
UVICORN = str(Path(sys.executable).parent / "uvicorn")
# uvicorn's httptools protocol with our client deadlines, as ``make run`` serves it.
HTTP_PROTOCOL = "rubysound.core.connections:HttpToolsProtocol"
SHARED_SETTINGS = (
    "SECRET_KEY",
    "PASSWORD_HASHERS",
    "MEDIA_ROOT",
    "COVER_CACHE_DIR",
    "LIBRARY_DIRS",
)
PORT_ATTEMPTS = 3
# A server answers within seconds; on two cores shared with other suites, starting two at
# once has taken over 30 s. Only a server that hangs ever waits this long.
START_TIMEOUT_SECONDS = 120


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


def free_port() -> int:
    """A port free on 127.0.0.1 now, for a server that must come back on the same one."""
    return _free_port()


def server_environment(extra: dict | None = None) -> dict:
    """The environment the servers run in: for another process of the platform on the test
    database (a worker, a management command), with ``extra`` added."""
    return _server_environment(extra)


def uvicorn_command(
    port: int, *, http: str = HTTP_PROTOCOL, workers: int = 1, tls: "Tls | None" = None
) -> list[str]:
    """uvicorn as ``make run`` starts it, quiet, on 127.0.0.1:port (with ``workers`` > 1,
    as the supervisor of that many worker processes; with ``tls``, over HTTPS)."""
    return [
        UVICORN,
        "rubysound.asgi:application",
        "--host=127.0.0.1",
        f"--port={port}",
        "--loop=uvloop",
        f"--http={http}",
        "--no-proxy-headers",
        "--no-server-header",
        "--no-access-log",
        "--log-level=warning",
        "--timeout-graceful-shutdown=2",
        *([f"--workers={workers}"] if workers > 1 else []),
        *([f"--ssl-certfile={tls.certfile}", f"--ssl-keyfile={tls.keyfile}"] if tls else []),
    ]


@dataclasses.dataclass(frozen=True)
class Tls:
    """A certificate and its key for serving HTTPS (see ``self_signed_tls``)."""

    certfile: str
    keyfile: str


def self_signed_tls(directory: Path) -> Tls:
    """A self-signed certificate for 127.0.0.1 (and localhost), written into ``directory``,
    for clients that only speak HTTPS: trust it with ``SSL_CERT_FILE=<certfile>``."""
    certfile, keyfile = directory / "server.crt", directory / "server.key"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the system's openssl
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(keyfile),
            "-out",
            str(certfile),
        ],
        check=True,
        capture_output=True,
    )
    return Tls(str(certfile), str(keyfile))


class _Server:
    """One server process; its output goes to a temporary file (a pipe could fill up).

    ``command(port)`` gives its command line; ``open_files`` (soft, hard) the open-file
    limit it starts under.
    """

    def __init__(
        self,
        env: dict,
        command: Callable[[int], list[str]] = uvicorn_command,
        open_files: tuple[int, int] | None = None,
        tls: Tls | None = None,
        port: int | None = None,
    ):
        self.env = env
        self.command = command
        self.open_files = open_files
        self.tls = tls
        self.fixed_port = port
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in close()

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _limit_open_files(self) -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, self.open_files)

    def start(self) -> None:
        self.port = self.fixed_port or _free_port()
        self.log.seek(0)
        self.log.truncate()
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            self.command(self.port),
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._limit_open_files if self.open_files else None,
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
            verify = ssl.create_default_context(cafile=self.tls.certfile) if self.tls else True
            response = httpx.get(f"{self.base_url}/health/live", timeout=1, verify=verify)
            return response.status_code == 200
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

    def restart(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Starts a stopped server again (on the same port when it was given one)."""
        self.start()
        _wait_until_up([self], timeout)

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
def serve_many(
    count: int,
    *,
    env: dict | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
    workers: int = 1,
    tls: Tls | None = None,
) -> Iterator[list[str]]:
    """``count`` servers on the test database, started side by side; yields their URLs
    (``https://`` ones with ``tls``)."""
    server_env = _server_environment(env)
    command = functools.partial(uvicorn_command, workers=workers, tls=tls)
    servers = [_Server(server_env, command, tls=tls) for _ in range(count)]
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
def serve(
    *,
    env: dict | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
    workers: int = 1,
    tls: Tls | None = None,
) -> Iterator[str]:
    """One server on the test database; yields ``http://127.0.0.1:<port>`` (``https://``
    with ``tls``, a ``Tls`` such as ``self_signed_tls(tmp_path)`` makes)."""
    with serve_many(1, env=env, timeout=timeout, workers=workers, tls=tls) as (base_url,):
        yield base_url


@contextlib.contextmanager
def serve_process(
    command: Callable[[int], list[str]] = uvicorn_command,
    *,
    env: dict | None = None,
    open_files: tuple[int, int] | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
    port: int | None = None,
) -> Iterator[_Server]:
    """One server started by ``command(port)`` (``uvicorn_command`` by default), under the
    open-file limit ``open_files`` if given, on ``port`` if given (else a free one); yields
    it (``base_url``, ``port``, ``process``, ``stop()``, ``restart()``) for tests that look at
    the process itself or stop and start it again."""
    server = _Server(_server_environment(env), command, open_files, port=port)
    try:
        server.start()
        _wait_until_up([server], timeout)
        yield server
    finally:
        server.stop()
        server.close()
