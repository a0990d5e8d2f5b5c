"""Oversized uploads against a real server: refused before the body is read, nothing left in
the server's temporary folder, and the staff allowance on the admin upload route working for
a staff session that sends its CSRF token in the header."""

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.servers import serve_process

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
UPLOAD = "/admin/catalog/track/upload/"
CSRF_SECRET = "k" * 16 + "Q" * 16
BOUNDARY = "rubysoundboundary"


@pytest.fixture
def server_tmp(tmp_path) -> Path:
    folder = tmp_path / "server-tmp"
    folder.mkdir()
    return folder


@pytest.fixture
def server(server_tmp):
    # The server's temporary folder is ours to watch: Django spools bodies there.
    with serve_process(env={"TMPDIR": str(server_tmp)}) as started:
        yield started


def spool_state(server, folder: Path) -> tuple[list[str], list[str]]:
    """The files in the server's temporary folder, and its descriptors open into it (a
    spooled body is unlinked at once, so only the descriptor shows it)."""
    names = sorted(os.listdir(folder))
    descriptors = []
    for fd in Path(f"/proc/{server.process.pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue
        if target.startswith(str(folder)):
            descriptors.append(target)
    return names, descriptors


def wait_for_empty_spool(server, folder: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (state := spool_state(server, folder)) != ([], []):
        assert time.monotonic() < deadline, f"left behind: {state}"
        time.sleep(0.05)


def multipart_head(server, length: int | None, headers: dict[str, str] | None = None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    lines = [
        f"POST {UPLOAD} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        "Connection: close",
        framing,
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def multipart_body(size: int) -> bytes:
    """One file field named "files" whose content makes the whole body ``size`` bytes."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="big.mp3"\r\n'
        "Content-Type: audio/mpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"\0" * (size - len(head) - len(tail)) + tail


class Sender(threading.Thread):
    """Sends a body as fast as the server takes it, until done or the server hangs up."""

    def __init__(self, sock: socket.socket, chunks):
        super().__init__(daemon=True)
        self.sock = sock
        self.chunks = chunks
        self.sent = 0

    def run(self) -> None:
        try:
            for chunk in self.chunks:
                self.sock.sendall(chunk)
                self.sent += len(chunk)
        except OSError:
            pass  # refused: the server closed the connection


def read_response(sock: socket.socket, timeout: float) -> tuple[int, bytes]:
    """The status and the whole response, read until the server closes (Connection: close)."""
    received = b""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", received)
    assert match, f"no response within {timeout} s: {received[:200]!r}"
    return int(match.group(1)), received


def post(server, head: bytes, chunks, timeout: float = 30) -> tuple[int, bytes, int]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        sender = Sender(sock, chunks)
        sender.start()
        status, response = read_response(sock, timeout)
    sender.join(timeout=10)
    return status, response, sender.sent


def in_pieces(body: bytes, size: int = MIB):
    return (body[i : i + size] for i in range(0, len(body), size))


def chunked(body: bytes, size: int = MIB):
    for piece in in_pieces(body, size):
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


@pytest.mark.parametrize("path", [UPLOAD, UPLOAD + "anything/"])
def test_an_anonymous_50_mib_upload_is_refused_before_its_body_is_read(server, server_tmp, path):
    before = spool_state(server, server_tmp)
    body = multipart_body(50 * MIB)
    head = multipart_head(server, len(body)).replace(UPLOAD.encode(), path.encode(), 1)

    status, response, _ = post(server, head, in_pieces(body), timeout=10)

    assert status == 413, response[:300]
    assert b'"code": "payload_too_large"' in response
    assert b"12 MB" in response
    wait_for_empty_spool(server, server_tmp)
    assert before == ([], [])


def test_an_oversized_chunked_upload_is_cut_off_and_its_spool_removed(server, server_tmp):
    # No declared length: the server reads up to the cap (spooling it), then stops.
    body = multipart_body(14 * MIB)
    status, response, _ = post(server, multipart_head(server, None), chunked(body))
    assert status == 413, response[:300]
    assert b'"code": "payload_too_large"' in response
    wait_for_empty_spool(server, server_tmp)


def staff_browser_headers(server, *, token: str | None) -> dict[str, str]:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = {
        "Cookie": f"csrftoken={CSRF_SECRET}; {settings.SESSION_COOKIE_NAME}={session}",
        "Origin": server.base_url,
    }
    if token:
        headers["X-CSRFToken"] = token
    return headers


def test_a_staff_session_with_the_csrf_header_uploads_past_the_normal_cap(server, server_tmp):
    body = multipart_body(13 * MIB)
    head = multipart_head(server, len(body), staff_browser_headers(server, token=CSRF_SECRET))

    status, response, sent = post(server, head, in_pieces(body))

    # The upload view read it all, refused the file (no audio) and sent the staff member
    # back to the track list.
    assert status == 302, response[:300]
    assert sent == len(body)
    assert b"location: /admin/catalog/track/" in response.lower()
    wait_for_empty_spool(server, server_tmp)


def test_the_same_staff_upload_without_the_header_keeps_the_normal_cap(server, server_tmp):
    body = multipart_body(13 * MIB)
    head = multipart_head(server, len(body), staff_browser_headers(server, token=None))
    status, response, _ = post(server, head, in_pieces(body))
    assert status == 413, response[:300]
    wait_for_empty_spool(server, server_tmp)
