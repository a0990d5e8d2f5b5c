"""A private Redis for tests that stop it, pause it or restart it under a live server.

    from tests.redis_server import redis_server

    with redis_server() as redis:       # redis-server on a free 127.0.0.1 port
        redis.url                       # "redis://127.0.0.1:<port>/0"
        redis.stop()                    # the port is closed: connections are refused
        redis.start()                   # the same port again, empty
        with redis.paused():            # SIGSTOP: connections hang, nothing answers
            ...

Nothing is persisted (no RDB, no AOF); the process is ours, stopped by its id at the end.
The machine's own Redis is never touched.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PORT_ATTEMPTS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self):
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.folder = tempfile.mkdtemp(prefix="rubysound-test-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self, timeout: float = 10) -> None:
        """Starts redis-server (on the port it had before, if any) and waits for a PONG."""
        keep_port = self.port != 0
        for attempt in range(1, PORT_ATTEMPTS + 1):
            if not keep_port:
                self.port = _free_port()
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, our binary
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    self.folder,
                    "--loglevel",
                    "warning",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_for_pong(timeout):
                return
            self.stop()
            if attempt == PORT_ATTEMPTS or keep_port:
                break
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def _wait_for_pong(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # exited: most likely the port was taken meanwhile
            with contextlib.suppress(redis.RedisError), self.client() as client:
                if client.ping():
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stops the process; its port refuses connections until ``start``."""
        if self.process is None or self.process.poll() is not None:
            return
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def pause(self) -> None:
        """Freezes the process: the kernel still accepts connections, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.close()
