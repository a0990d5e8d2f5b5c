"""Transcoding on a live uvicorn server: ffmpeg is killed and reaped when the client goes
away (no orphaned process), and one transcode over the per-process limit is a 429."""

import contextlib
import hashlib
import shutil
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
import pytest
import soundfile as sf

from rubysound.accounts import services as account_services
from rubysound.catalog.models import Track
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]

# Twenty minutes of silence: a tiny FLAC, but 24 MB of mp3, far more than the pipes and the
# server's socket buffer hold (the client's is kept small), so ffmpeg is still running, held
# back by the client, when the client has read its first bytes.
SECONDS = 1200
CLIENT_RECEIVE_BUFFER = 16 * 1024
RATE = 22050
# Polls until ffmpeg is gone; only a leak ever waits this long.
GONE_WITHIN_SECONDS = 30


def write_silence(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = np.zeros(RATE, dtype=np.float32)
    with sf.SoundFile(path, "w", samplerate=RATE, channels=1, format="FLAC") as audio:
        for _ in range(SECONDS):
            audio.write(block)


def ffmpeg_processes(source: Path) -> list[int]:
    """Pids of the ffmpeg processes reading ``source`` (from /proc: any parent)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        reads_source = any(arg.endswith(str(source).encode()) for arg in argv)
        if argv and argv[0].endswith(b"ffmpeg") and reads_source:
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    """True while the process exists, a zombie (never reaped) included."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return bool(status)


@contextlib.contextmanager
def slow_reader(base_url: str, params: dict):
    """A GET read by a client that takes a few bytes and no more (a small receive buffer,
    so the server cannot push the whole answer into it), closed on leaving the block.
    Yields the first bytes received, the status line and headers included."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, CLIENT_RECEIVE_BUFFER)
    sock.settimeout(30)
    try:
        sock.connect((host, int(port)))
        target = "/rest/stream?" + urlencode(params)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received or len(received) < 4096:
            received += sock.recv(4096)
        yield received
    finally:
        sock.close()


def wait_until_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def test_ffmpeg_ends_with_the_client_and_the_limit_is_429(library_root, tmp_path):
    from rubysound.catalog.services import scan_library

    source = library_root / "Quiet" / "Long" / "01 Silence.flac"
    write_silence(source)
    assert not scan_library().failed
    track = Track.objects.get()
    user = UserFactory(username="nadia")
    _, secret = account_services.create_app_password(user, "phone")
    salt = "a1b2c3"
    params = {
        "u": "nadia",
        "t": hashlib.md5((secret + salt).encode()).hexdigest(),  # noqa: S324 - the protocol's
        "s": salt,
        "v": "1.16.1",
        "c": "tests",
        "id": f"tr-{track.pk}",
        "format": "mp3",
        "maxBitRate": "320",
    }
    env = {
        "TRANSCODE_MAX_CONCURRENT": "1",
        "TRANSCODE_CACHE_DIR": str(tmp_path / "transcodes"),
        "STREAM_ACCEL_REDIRECT_PREFIX": "",
    }
    with serve(env=env) as base_url:
        with slow_reader(base_url, params) as first:
            head = first.split(b"\r\n\r\n", 1)[0].lower()
            assert head.startswith(b"http/1.1 200")
            assert b"content-type: audio/mpeg" in head
            assert b"accept-ranges: none" in head
            running = ffmpeg_processes(source)
            assert len(running) == 1

            # The one transcode this process may run is taken.
            busy = httpx.get(f"{base_url}/rest/stream", params={**params, "f": "json"})
            assert busy.status_code == 429
            assert int(busy.headers["retry-after"]) > 0
            assert busy.json()["subsonic-response"]["status"] == "failed"
        # The client went away after a few bytes: ffmpeg is killed and reaped.
        assert wait_until_gone(running) == []
        assert ffmpeg_processes(source) == []
        # Nothing half-written was kept as a finished transcode.
        cache = tmp_path / "transcodes"
        assert not cache.exists() or list(cache.iterdir()) == []

        # The slot is free again.
        with slow_reader(base_url, params) as again:
            assert again.lower().startswith(b"http/1.1 200")
            running = ffmpeg_processes(source)
            assert len(running) == 1
        assert wait_until_gone(running) == []
