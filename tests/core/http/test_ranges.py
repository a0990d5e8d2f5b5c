"""The chunked file body: a window of the file, read in worker threads, closed exactly once."""

import asyncio
import os
import threading

import pytest

from rubysound.core.http import ranges
from tests.waiting import async_wait_until


async def test_chunks_read_a_window_of_the_file_and_close_it(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 40)
    handle, _ = ranges.open_regular_file(path)
    chunks = ranges.FileChunks(handle, start=100, length=5000, chunk_size=1024)
    parts = [part async for part in chunks]
    assert [len(p) for p in parts] == [1024, 1024, 1024, 1024, 904]
    assert b"".join(parts) == path.read_bytes()[100:5100]
    assert handle.closed


async def test_a_close_during_a_read_is_done_by_the_reading_thread(tmp_path, monkeypatch):
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 10_000)
    handle, _ = ranges.open_regular_file(path)
    chunks = ranges.FileChunks(handle, start=0, length=10_000, chunk_size=1000)
    entered, release = threading.Event(), threading.Event()
    real_pread = os.pread

    def slow_pread(fd, size, offset):
        entered.set()
        release.wait(5)
        return real_pread(fd, size, offset)

    monkeypatch.setattr(ranges.os, "pread", slow_pread)
    reading = asyncio.ensure_future(chunks.__anext__())
    await asyncio.to_thread(entered.wait, 5)
    chunks.close()  # the client went away: must not close the descriptor under the read
    assert not handle.closed
    release.set()
    assert await reading == b"x" * 1000
    assert handle.closed
    with pytest.raises(StopAsyncIteration):
        await chunks.__anext__()


async def test_cancelling_a_read_closes_the_file(tmp_path, monkeypatch):
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 10_000)
    handle, _ = ranges.open_regular_file(path)
    chunks = ranges.FileChunks(handle, start=0, length=10_000, chunk_size=1000)
    entered, release = threading.Event(), threading.Event()
    real_pread = os.pread

    def slow_pread(fd, size, offset):
        entered.set()
        release.wait(5)
        return real_pread(fd, size, offset)

    monkeypatch.setattr(ranges.os, "pread", slow_pread)
    reading = asyncio.ensure_future(chunks.__anext__())
    await asyncio.to_thread(entered.wait, 5)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    release.set()
    # The read goes on in its thread after the cancellation; the file closes when it returns.
    await async_wait_until(lambda: handle.closed, message="the file was never closed")
