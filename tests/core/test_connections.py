"""Slow, stalled and idle clients against real servers (rubysound.core.connections).

Raw sockets play the clients: one that sends nothing, half its headers, its headers a byte
at a time, or half a body is disconnected by the deadline; an upload that keeps sending is
served however long it takes; an idle kept-alive connection is closed; and a crowd of idle
sockets does not keep a normal request out, whether the process may raise its open-file
limit or not. Each server runs with short deadlines so the tests take seconds.
"""

import contextlib
import json
import re
import resource
import socket
import sys
import time
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.servers import BASE_DIR, HTTP_PROTOCOL, serve_process, uvicorn_command

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS_TIMEOUT = 2
BODY_TIMEOUT = 2
KEEP_ALIVE = 1
DEADLINES = {
    "HTTP_HEADERS_TIMEOUT_SECONDS": str(HEADERS_TIMEOUT),
    "HTTP_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
    "HTTP_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE),
}
# What a busy two-core machine may add to a deadline before the server acts on it.
GRACE_SECONDS = 3


def server_module_command(port: int) -> list[str]:
    """``python -m rubysound.core.server``, as the container image starts it."""
    return [sys.executable, "-m", "rubysound.core.server", f"--port={port}", "--no-access-log"]


COMMANDS = {
    "make-run-httptools": uvicorn_command,
    "uvicorn-h11": partial(uvicorn_command, http="rubysound.core.connections:H11Protocol"),
    "core-server": server_module_command,
}


@pytest.fixture(scope="module", params=sorted(COMMANDS))
def server(request, django_db_setup):
    """Started once per entry point and protocol; each test opens its own sockets."""
    with serve_process(COMMANDS[request.param], env=DEADLINES) as started:
        yield started


def open_files_limit(server) -> tuple[int, int]:
    limits = Path(f"/proc/{server.process.pid}/limits").read_text()
    soft, hard = re.search(r"Max open files\s+(\d+)\s+(\d+)", limits).groups()
    return int(soft), int(hard)


def connect(server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def read_until_closed(sock: socket.socket, within: float) -> bytes | None:
    """Everything the server sends until it closes the connection, or None if it is still
    open ``within`` seconds from now."""
    received = b""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return None
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    return None


def send_or_closed(sock: socket.socket, data: bytes) -> bool:
    """Sends ``data``; False when the server has closed the connection meanwhile."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def token_request(body: bytes) -> bytes:
    return (
        b"POST /api/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )


# --- Requests that do not arrive ------------------------------------------------------------


def test_a_client_that_sends_nothing_is_disconnected(server):
    with connect(server) as sock:
        assert read_until_closed(sock, HEADERS_TIMEOUT + GRACE_SECONDS) == b""


def test_a_client_that_sends_half_its_headers_is_disconnected(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ")
        assert read_until_closed(sock, HEADERS_TIMEOUT + GRACE_SECONDS) == b""


def test_headers_sent_a_byte_at_a_time_do_not_extend_the_deadline(server):
    trickle = iter(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Pad: a\r\n" * 200)
    deadline = time.monotonic() + HEADERS_TIMEOUT + GRACE_SECONDS
    with connect(server) as sock:
        # A byte every 50 ms: always "progress", never complete headers.
        while send_or_closed(sock, bytes([next(trickle)])):
            if read_until_closed(sock, 0.05) is not None:
                break
            assert time.monotonic() < deadline, "still open past the headers deadline"


def test_a_body_that_stops_halfway_is_disconnected(server):
    body = json.dumps({"username": "nobody", "password": "x" * 200}).encode()
    with connect(server) as sock:
        sock.sendall(token_request(body) + body[: len(body) // 2])
        assert read_until_closed(sock, BODY_TIMEOUT + GRACE_SECONDS) == b""


# --- Requests that do -----------------------------------------------------------------------


def test_a_slow_upload_that_keeps_sending_is_served(server):
    # Longer in all than both deadlines together, but never a pause near the body's.
    body = json.dumps({"padding": "x" * 1000}).encode()
    chunks = [body[i : i + 100] for i in range(0, len(body), 100)]
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(token_request(body))
        for chunk in chunks:
            assert read_until_closed(sock, 0.5) is None, "closed during a progressing upload"
            sock.sendall(chunk)
        answer = _read_response(sock)
    assert time.monotonic() - started > HEADERS_TIMEOUT + BODY_TIMEOUT
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b'"code": "invalid"' in answer or b'"code":"invalid"' in answer


def _read_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length, read without waiting for a close."""
    received = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the response: {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of the response"
        body += chunk
    return head + b"\r\n\r\n" + body


def test_an_idle_kept_alive_connection_is_closed(server):
    with connect(server) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
        assert read_until_closed(sock, KEEP_ALIVE + GRACE_SECONDS) == b""


def test_a_kept_alive_connection_serves_the_next_request_in_time(server):
    with connect(server) as sock:
        for _ in range(3):
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _read_response(sock).startswith(b"HTTP/1.1 200 ")


# --- Many idle sockets ----------------------------------------------------------------------

IDLE_SOCKETS = 400
SMALL_LIMIT = 256


@contextlib.contextmanager
def idle_sockets(server, count: int):
    opened = []
    try:
        for _ in range(count):
            opened.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        yield opened
    finally:
        for sock in opened:
            sock.close()


def test_the_server_raises_its_open_file_limit_so_idle_sockets_leave_room():
    hard = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 4096)
    # Deadlines far off: only the raised limit can make room here.
    patient = {**DEADLINES, "HTTP_HEADERS_TIMEOUT_SECONDS": "60"}
    with serve_process(env=patient, open_files=(SMALL_LIMIT, hard)) as server:
        assert open_files_limit(server) == (hard, hard)
        with idle_sockets(server, IDLE_SOCKETS):
            response = httpx.get(f"{server.base_url}/health/live", timeout=5)
    assert response.status_code == 200


def test_idle_sockets_beyond_a_fixed_limit_are_shed_by_the_deadline():
    # The hard limit is the soft one: nothing to raise. While every descriptor is taken,
    # the event loop (libuv) drops new connections at once; the headers deadline is what
    # frees the descriptors again, for the idle crowd that the client still holds open.
    fixed = (SMALL_LIMIT, SMALL_LIMIT)
    with (
        serve_process(env=DEADLINES, open_files=fixed) as server,
        idle_sockets(server, IDLE_SOCKETS) as crowd,
    ):
        deadline = time.monotonic() + HEADERS_TIMEOUT + GRACE_SECONDS
        for sock in crowd:
            assert read_until_closed(sock, max(deadline - time.monotonic(), 0.01)) == b""
        response = httpx.get(f"{server.base_url}/health/live", timeout=5)
    assert response.status_code == 200


# --- Both entry points are configured ---------------------------------------------------


def test_make_run_serves_with_the_deadline_protocol():
    recipe = (BASE_DIR / "Makefile").read_text()
    assert f"--http {HTTP_PROTOCOL}" in recipe
