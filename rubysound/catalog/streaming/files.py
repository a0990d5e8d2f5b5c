"""Serving library files: where a track's file is, and the answer to GET or HEAD on it.

The file is located under the configured library roots (path safety) and served with the
byte ranges, validators and chunked body of ``core.http.ranges``, or handed to nginx.
"""

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response

from rubysound.catalog.models import Track
from rubysound.core.exceptions import json_error_response
from rubysound.core.http.ranges import (
    FileChunks,
    FileFacts,
    FileUnavailable,
    Unsatisfiable,
    if_range_allows,
    open_regular_file,
    parse_range,
    stat_regular_file,
)

logger = logging.getLogger("rubysound.catalog.streaming.files")

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
