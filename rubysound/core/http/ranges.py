"""Serving a regular file over HTTP: validators, one byte range, an async chunked body.

Used for library tracks and cached provider previews alike. Nothing here reads a whole
file into memory: the body is an async iterator that reads one chunk at a time in a worker
thread (``asyncio.to_thread``) from a file opened once.
"""

import asyncio
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from django.utils.http import http_date, parse_http_date_safe

# Bytes read per worker-thread hop. Django's ASGI handler splits what we yield into 64 KiB
# messages; a larger read amortises the thread hop. Tests lower it to see many chunks.
STREAM_CHUNK_SIZE = 256 * 1024


class FileUnavailable(Exception):
    """The file cannot be served: missing, unreadable, not a regular file (or, for a library
    track, outside the library). ``reason`` says which, for the logs."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- File facts and validators --------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    size: int
    mtime: float
    mtime_ns: int

    @classmethod
    def from_stat(cls, st: os.stat_result) -> "FileFacts":
        return cls(st.st_size, st.st_mtime, st.st_mtime_ns)

    @property
    def etag(self) -> str:
        # Strong validator from what changes when the file does (as nginx does); a stored
        # content hash (the scanner's) may lag behind a file replaced since it was taken.
        return f'"{self.size:x}-{self.mtime_ns:x}"'

    @property
    def last_modified(self) -> str:
        return http_date(int(self.mtime))


def stat_regular_file(path: Path) -> FileFacts:
    try:
        st = os.stat(path)
    except OSError:
        raise FileUnavailable("missing") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileUnavailable("not a regular file")
    return FileFacts.from_stat(st)


def open_regular_file(path: Path) -> tuple[object, FileFacts]:
    """Opens ``path`` for reading without blocking on FIFOs or following a swapped-in symlink."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        raise FileUnavailable("unreadable") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileUnavailable("not a regular file")
        handle = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    return handle, FileFacts.from_stat(st)


# --- Ranges ---------------------------------------------------------------------------

_RANGE_SPEC = re.compile(r"(\d*)-(\d*)", re.ASCII)


class Unsatisfiable(Exception):
    """A well-formed range that selects nothing of the file: 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``(first, last)`` (inclusive) a Range header asks for.

    None means "send the whole file": no header, a malformed one, another unit, several
    ranges (we do not build multipart bodies) or an empty file. Raises Unsatisfiable for a
    well-formed range starting past the end (or a zero-length suffix).
    """
    if not header or size <= 0:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    spec = spec.strip()
    if "," in spec:
        return None
    match = _RANGE_SPEC.fullmatch(spec)
    if not match:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None  # "bytes=-"
        suffix = int(last_text)
        if suffix == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # "bytes=5-2" is invalid syntax: ignored
    if first >= size:
        raise Unsatisfiable
    return first, min(int(last_text), size - 1) if last_text else size - 1


def if_range_allows(header: str | None, facts: FileFacts) -> bool:
    """Whether a Range may be honoured given If-Range (RFC 9110 13.1.5).

    An entity tag must match strongly; a date must equal Last-Modified exactly. Anything else
    (a weak tag, a bad date, a changed file) means the client gets the whole new file.
    """
    if header is None:
        return True
    value = header.strip()
    if value.startswith('"'):
        return value == facts.etag
    if value.startswith("W/"):
        return False
    date = parse_http_date_safe(value)
    return date is not None and date == int(facts.mtime)


# --- The body -------------------------------------------------------------------------


class FileChunks:
    """An async iterator over ``length`` bytes of an open file from ``start``.

    Each chunk is read in a worker thread. The file is closed at the end, on ``close()``
    (Django calls it when the response is closed) or on ``aclose()``; a close that arrives
    while a read is in flight (a client disconnecting) is carried out by that read's thread
    once it returns, so the event loop never waits on the disk and a descriptor is never
    closed under a running read.
    """

    def __init__(self, handle, start: int, length: int, chunk_size: int | None = None):
        self._handle = handle
        self._position = start
        self._remaining = length
        self._chunk_size = chunk_size or STREAM_CHUNK_SIZE
        self._lock = threading.Lock()
        self._reading = False
        self._closed = False

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        if self._remaining <= 0:
            self.close()
            raise StopAsyncIteration
        with self._lock:
            if self._closed:
                raise StopAsyncIteration
            self._reading = True
        size = min(self._chunk_size, self._remaining)
        try:
            data = await asyncio.to_thread(self._read, self._position, size)
        except asyncio.CancelledError:
            # The client went away mid-read; Django does not close a cancelled response.
            self.close()
            raise
        if not data:
            # The file shrank under us: stop short; the server sees a body shorter than
            # its Content-Length and aborts the connection, which is the honest outcome.
            self.close()
            raise StopAsyncIteration
        self._position += len(data)
        self._remaining -= len(data)
        return data

    def _read(self, position: int, size: int) -> bytes:
        try:
            with self._lock:
                if self._closed:
                    return b""
            return os.pread(self._handle.fileno(), size, position)
        except OSError:
            return b""
        finally:
            with self._lock:
                self._reading = False
                if self._closed:
                    self._handle.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self._reading:
                self._handle.close()

    async def aclose(self) -> None:
        self.close()

    def __del__(self):
        # A response dropped before it was iterated (client gone before the first byte).
        if hasattr(self, "_lock"):
            self.close()
