"""Serving library files: path safety, HTTP ranges, validators and an async chunked body.

Nothing here reads a whole file into memory: the body is an async iterator that reads one
chunk at a time in a worker thread (``asyncio.to_thread``) from a file opened once.
"""

import asyncio
import logging
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

from rubysound.core.exceptions import json_error_response

from .models import Track

logger = logging.getLogger("rubysound.catalog.streaming")

# Bytes read per worker-thread hop. Django's ASGI handler splits what we yield into 64 KiB
# messages; a larger read amortises the thread hop. Tests lower it to see many chunks.
STREAM_CHUNK_SIZE = 256 * 1024

# What we answer for each stored format (Track.format, else the file extension).
AUDIO_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "mpeg": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "vorbis": "audio/ogg",
    "opus": "audio/ogg",  # Opus in an Ogg container
    "m4a": "audio/mp4",
    "mp4": "audio/mp4",
    "m4b": "audio/mp4",
    "alac": "audio/mp4",
    "aac": "audio/aac",
    "wav": "audio/wav",
    "wave": "audio/wav",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"


class FileUnavailable(Exception):
    """The track's file is missing, unreadable, not a regular file or outside the library."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def content_type_for(track: Track, path: Path | None = None) -> str:
    for candidate in (track.format, path.suffix.lstrip(".") if path else ""):
        content_type = AUDIO_CONTENT_TYPES.get((candidate or "").lower())
        if content_type:
            return content_type
    return FALLBACK_CONTENT_TYPE


# --- Where the file is ---------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFile:
    path: Path  # resolved, inside ``root``
    root_index: int  # position of ``root`` in settings.LIBRARY_DIRS
    relative: PurePosixPath  # ``path`` relative to ``root``, symlinks resolved


def configured_roots() -> list[Path]:
    roots = []
    for root in settings.LIBRARY_DIRS:
        try:
            roots.append(Path(root).resolve())
        except (OSError, RuntimeError, ValueError):
            roots.append(Path(root).absolute())
    return roots


def locate(track: Track) -> LibraryFile:
    """The track's file, fully resolved; refused when it ends up outside every library root.

    ``..`` segments, absolute paths and symlinks are all resolved first, so a row (or a
    symlink in the library) pointing at ``/etc/passwd`` is refused like a missing file.
    """
    if not track.library_root or not track.path:
        raise FileUnavailable("no path")
    try:
        resolved = (Path(track.library_root) / track.path).resolve(strict=True)
    except FileNotFoundError:
        raise FileUnavailable("missing") from None
    except (OSError, RuntimeError, ValueError):
        # Permission denied on a folder, symlink loop, NUL byte in the path, ...
        raise FileUnavailable("unresolvable") from None
    roots = configured_roots()
    try:
        own = Path(track.library_root).resolve()
    except (OSError, RuntimeError, ValueError):
        own = None
    # The track's own root first when it is configured, then the others in order.
    order = sorted(range(len(roots)), key=lambda i: roots[i] != own)
    for index in order:
        root = roots[index]
        if resolved != root and resolved.is_relative_to(root):
            return LibraryFile(
                resolved, index, PurePosixPath(resolved.relative_to(root).as_posix())
            )
    raise FileUnavailable("outside library")


def accel_redirect_location(prefix: str, library_file: LibraryFile) -> str:
    """``/protected-library/<root index>/<relative path, URL-quoted>`` for nginx."""
    return f"{prefix.rstrip('/')}/{library_file.root_index}/{quote(str(library_file.relative))}"


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
        # Strong validator from what changes when the file does (as nginx does); the scanner's
        # content hash may lag behind a file replaced since the last scan.
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


# --- The response ---------------------------------------------------------------------

# Audio files change only when the library does; a day is a fair freshness. Shared caches may
# keep them (nothing personal): our edge cache stores bodies up to 2 MB and skips ranges.
STREAM_CACHE_CONTROL = "public, max-age=86400"
UNAVAILABLE_DETAIL = "The audio file of this track is not available."
NO_STREAM_DETAIL = "This track is known only from a provider: there is no file to stream."


def _locate_and_stat(track: Track) -> tuple[LibraryFile, FileFacts, None]:
    library_file = locate(track)
    return library_file, stat_regular_file(library_file.path), None


def _locate_and_open(track: Track) -> tuple[LibraryFile, FileFacts, object]:
    library_file = locate(track)
    handle, facts = open_regular_file(library_file.path)
    return library_file, facts, handle


def _validators(response: HttpResponseBase, facts: FileFacts) -> HttpResponseBase:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = facts.etag
    response["Last-Modified"] = facts.last_modified
    response["Cache-Control"] = STREAM_CACHE_CONTROL
    return response


async def stream_response(request, track: Track) -> HttpResponseBase:
    """The answer to GET or HEAD on a track's stream (a 404 JSON error when there is none)."""
    if track.source != Track.Source.LIBRARY:
        return json_error_response(404, NO_STREAM_DETAIL, "no_stream")
    accel_prefix = settings.STREAM_ACCEL_REDIRECT_PREFIX
    wants_body = request.method == "GET" and not accel_prefix
    try:
        library_file, facts, handle = await asyncio.to_thread(
            _locate_and_open if wants_body else _locate_and_stat, track
        )
    except FileUnavailable as exc:
        logger.warning(
            "stream file unavailable",
            extra={
                "track_id": track.pk,
                "reason": exc.reason,
                "library_root": track.library_root,
                "track_path": track.path,
            },
        )
        return json_error_response(404, UNAVAILABLE_DETAIL, "file_unavailable")

    content_type = content_type_for(track, library_file.path)
    if accel_prefix:
        # nginx serves the bytes (ranges and validators included) from its internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_redirect_location(accel_prefix, library_file)
        response["Cache-Control"] = STREAM_CACHE_CONTROL
        return response

    owns_handle = handle is not None
    try:
        conditional = get_conditional_response(
            request, etag=facts.etag, last_modified=int(facts.mtime)
        )
        if conditional is not None:
            if conditional.status_code == 304:
                return _validators(conditional, facts)
            return json_error_response(412, "A precondition failed.", "precondition_failed")

        byte_range = None
        range_header = request.headers.get("Range")
        if range_header and if_range_allows(request.headers.get("If-Range"), facts):
            try:
                byte_range = parse_range(range_header, facts.size)
            except Unsatisfiable:
                response = json_error_response(
                    416, "The requested range is not satisfiable.", "range_not_satisfiable"
                )
                response["Content-Range"] = f"bytes */{facts.size}"
                response["Accept-Ranges"] = "bytes"
                return response

        start, length, status = 0, facts.size, 200
        if byte_range is not None:
            first, last = byte_range
            start, length, status = first, last - first + 1, 206

        if handle is None:  # HEAD: the headers of the GET, no body
            response = HttpResponse(status=status, content_type=content_type)
        else:
            response = StreamingHttpResponse(
                FileChunks(handle, start, length), status=status, content_type=content_type
            )
            owns_handle = False  # the body closes it now
        response["Content-Length"] = str(length)
        if status == 206:
            response["Content-Range"] = f"bytes {start}-{start + length - 1}/{facts.size}"
        return _validators(response, facts)
    finally:
        if owns_handle:
            handle.close()
