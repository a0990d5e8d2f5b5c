"""Provider previews served from our origin, cached on disk.

``GET /music_api/preview/?url=`` answers the audio of a provider's preview URL (checked and
fetched by ``rubysound.providers.preview``), so the player and the service worker never
leave the origin.

- A preview already on disk is served from there, with ranges and validators, like a
  library file (``rubysound.core.http.ranges`` does the serving).
- Otherwise a request for the whole preview (no ``Range``, or ``bytes=0-`` as media
  elements send first) fetches it whole: the bytes go to the listener as they arrive and
  into a temporary file beside the cache, renamed into place once complete and within the
  cap. An upstream that does not say the size is read into the cache first, then served.
- Any other range is passed to the upstream and its 206 or 416 relayed; nothing is cached.

Files live under ``settings.PREVIEW_CACHE_DIR/<2 hex>/<sha256 of the URL>.<ext>``; the
extension records the audio type. Past ``PREVIEW_CACHE_MAX_BYTES`` the oldest go first.
Deezer's preview links carry a signature (``hdnea``) that changes on every search; it is
left out of the key, so one preview is one file however often its link is re-signed.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response

from rubysound.core.exceptions import error_body
from rubysound.core.http import ranges
from rubysound.providers.gateway import (
    EXTENSIONS,
    AudioType,
    PreviewError,
    PreviewFetcher,
    RangeNotSatisfiable,
    UpstreamPreview,
    check_preview_url,
)

logger = logging.getLogger("rubysound.compat.previews.proxy")

PREVIEW_CACHE_CONTROL = "public, max-age=86400"
# Query parameters that sign a link rather than name the audio.
SIGNATURE_PARAMETERS = frozenset({"hdnea"})
# Pruning stops at this share of the bound, so that not every new file prunes again.
PRUNE_TARGET = 0.9
# A temporary file this old belongs to no download still running.
ABANDONED_DOWNLOAD_SECONDS = 3600
_FROM_THE_START = re.compile(r"\s*bytes\s*=\s*0\s*-\s*", re.ASCII | re.IGNORECASE)
_ONE_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.ASCII | re.IGNORECASE)


def loggable(url: str) -> str:
    """A preview URL without its query: signed links carry tokens logs must not keep."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# --- The disk cache -------------------------------------------------------------------


def cache_key(url: str) -> str:
    """A fingerprint of a normalised preview URL, signature parameters left out."""
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() not in SIGNATURE_PARAMETERS
    ]
    stable = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return hashlib.sha256(stable.encode()).hexdigest()


def _folder(key: str) -> Path:
    return Path(settings.PREVIEW_CACHE_DIR) / key[:2]


@dataclass(frozen=True)
class CachedPreview:
    path: Path
    audio: AudioType


def find_cached(key: str) -> CachedPreview | None:
    """The stored preview for ``key``, if there is one (blocking)."""
    try:
        names = os.listdir(_folder(key))
    except OSError:
        return None
    for name in names:
        stem, _, extension = name.partition(".")
        if stem == key and extension in EXTENSIONS:
            return CachedPreview(_folder(key) / name, EXTENSIONS[extension])
    return None


class CacheWriter:
    """A preview being written: a temporary file until ``commit`` renames it into place."""

    def __init__(self, key: str, audio: AudioType):
        self.key = key
        self.audio = audio
        self.folder = _folder(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=self.folder, prefix=".part-", suffix=".tmp")
        self.scratch = Path(scratch)
        self._handle = os.fdopen(fd, "wb")
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        self.written += len(chunk)

    def commit(self) -> CachedPreview:
        self._handle.close()
        final = self.folder / f"{self.key}.{self.audio.extension}"
        os.chmod(self.scratch, 0o644)
        os.replace(self.scratch, final)
        for other in self.folder.glob(f"{self.key}.*"):
            if other != final:  # the same URL now sends another audio type
                other.unlink(missing_ok=True)
        prune(settings.PREVIEW_CACHE_MAX_BYTES, keep=final)
        return CachedPreview(final, self.audio)

    def abort(self) -> None:
        self._handle.close()
        self.scratch.unlink(missing_ok=True)


def prune(max_bytes: int, keep: Path | None = None) -> int:
    """Removes the oldest previews until the cache is within bounds (``keep``, the one just
    stored, stays whatever its size); returns how many were removed."""
    root = Path(settings.PREVIEW_CACHE_DIR)
    abandoned_before = time.time() - ABANDONED_DOWNLOAD_SECONDS
    entries: list[tuple[float, int, Path]] = []
    with contextlib.suppress(OSError):
        for folder in root.iterdir():
            if not folder.is_dir():
                continue
            for item in folder.iterdir():
                with contextlib.suppress(OSError):
                    facts = item.stat()
                    if not item.name.startswith("."):
                        entries.append((facts.st_mtime, facts.st_size, item))
                    elif facts.st_mtime < abandoned_before:
                        item.unlink()  # left by a process that died mid-download
    total = sum(size for _, size, _ in entries)
    if total <= max_bytes:
        return 0
    removed = 0
    for _, size, item in sorted(entries, key=lambda entry: entry[0]):
        if total <= max_bytes * PRUNE_TARGET:
            break
        if item == keep:
            continue
        item.unlink(missing_ok=True)
        total -= size
        removed += 1
    logger.info("preview cache pruned", extra={"removed": removed, "bytes": total})
    return removed


# --- Answers --------------------------------------------------------------------------


def preview_error(exc: PreviewError) -> JsonResponse:
    fields = {"url": [exc.detail]} if exc.status == 400 else None
    response = JsonResponse(error_body(exc.detail, exc.code, fields), status=exc.status)
    response["Cache-Control"] = "no-store"
    if isinstance(exc, RangeNotSatisfiable) and exc.content_range:
        response["Content-Range"] = exc.content_range
    return response


def _audio_headers(response: HttpResponseBase, content_type: str, length: int):
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = PREVIEW_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _open_cached(cached: CachedPreview):
    return ranges.open_regular_file(cached.path)


async def _serve_cached(request, cached: CachedPreview) -> HttpResponseBase | None:
    """The stored preview, whole or the asked range (None when it vanished meanwhile)."""
    try:
        handle, facts = await asyncio.to_thread(_open_cached, cached)
    except ranges.FileUnavailable:
        return None
    try:
        conditional = get_conditional_response(
            request, etag=facts.etag, last_modified=int(facts.mtime)
        )
        if conditional is not None and conditional.status_code == 304:
            conditional["ETag"] = facts.etag
            conditional["Cache-Control"] = PREVIEW_CACHE_CONTROL
            return conditional
        byte_range = None
        range_header = request.headers.get("Range")
        if range_header and ranges.if_range_allows(request.headers.get("If-Range"), facts):
            try:
                byte_range = ranges.parse_range(range_header, facts.size)
            except ranges.Unsatisfiable:
                return preview_error(
                    RangeNotSatisfiable(
                        "The requested range is not satisfiable.", f"bytes */{facts.size}"
                    )
                )
        start, length, status = 0, facts.size, 200
        if byte_range is not None:
            start, last = byte_range
            length, status = last - start + 1, 206
        response = StreamingHttpResponse(ranges.FileChunks(handle, start, length), status=status)
        handle = None  # the body closes it now
        if status == 206:
            response["Content-Range"] = f"bytes {start}-{start + length - 1}/{facts.size}"
        response["ETag"] = facts.etag
        response["Last-Modified"] = facts.last_modified
        return _audio_headers(response, cached.audio.content_type, length)
    finally:
        if handle is not None:
            handle.close()


def _range_to_forward(range_header: str | None) -> str | None:
    """What to ask the upstream: nothing for the whole preview (then cached), else the
    one range asked for. Several ranges or a malformed header get the whole preview."""
    if not range_header or _FROM_THE_START.fullmatch(range_header):
        return None
    match = _ONE_RANGE.fullmatch(range_header)
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    return f"bytes={first}-{last}"


class PreviewBody:
    """The upstream body for the listener, written to the cache on the way (``writer``).

    The file is committed only once the body is complete; a failure, a listener who goes
    away, or a response closed before its first byte (Django calls ``close``) throw the
    temporary file away and release the upstream connection.
    """

    def __init__(self, upstream: UpstreamPreview, writer: "CacheWriter | None" = None):
        self._upstream = upstream
        self._writer = writer
        self._chunks = upstream.chunks()
        self._loop = asyncio.get_running_loop()
        self._finished = False

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        if self._finished:
            raise StopAsyncIteration
        try:
            chunk = await anext(self._chunks)
            if self._writer is not None:
                await asyncio.to_thread(self._writer.write, chunk)
        except StopAsyncIteration:
            self._finished = True
            if self._writer is not None:
                try:
                    await asyncio.to_thread(self._writer.commit)
                except OSError:
                    # The listener has every byte; only the next play will be slower.
                    self._writer.abort()
                    logger.warning(
                        "preview cache not writable", extra={"url": loggable(self._upstream.url)}
                    )
            raise
        except PreviewError as exc:
            # The headers are out: the error aborts the listener's connection.
            logger.warning(
                "preview download broke off",
                extra={"url": loggable(self._upstream.url), "reason": exc.detail},
            )
            self.close()
            raise
        except BaseException:
            self.close()
            raise
        return chunk

    def close(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._writer is not None:
            self._writer.abort()
        if self._upstream.response.is_closed:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._loop.create_task(self._upstream.aclose())
        else:  # Django closes responses from a worker thread
            with contextlib.suppress(RuntimeError):  # the loop is gone: so is the pool
                asyncio.run_coroutine_threadsafe(self._upstream.aclose(), self._loop)


async def _download(upstream: UpstreamPreview, writer: CacheWriter) -> CachedPreview:
    try:
        async for chunk in upstream.chunks():
            await asyncio.to_thread(writer.write, chunk)
        return await asyncio.to_thread(writer.commit)
    except BaseException:
        writer.abort()
        raise


def _relay_range(upstream: UpstreamPreview) -> HttpResponseBase:
    """An upstream 206, as it is, uncached."""
    response = StreamingHttpResponse(PreviewBody(upstream), status=206)
    response["Content-Range"] = upstream.content_range
    if upstream.length is None:
        # The upstream encoded its part: the listener still gets a length it can trust.
        first, last = upstream.content_range.split(" ")[1].split("/")[0].split("-")
        upstream.length = int(last) - int(first) + 1
    return _audio_headers(response, upstream.audio.content_type, upstream.length)


async def preview_response(request, url: str, fetcher: PreviewFetcher | None = None):
    """The answer to ``GET /music_api/preview/?url=`` for a URL given."""
    try:
        target = check_preview_url(url)
    except PreviewError as exc:
        return preview_error(exc)
    key = cache_key(target)
    cached = await asyncio.to_thread(find_cached, key)
    if cached is not None:
        response = await _serve_cached(request, cached)
        if response is not None:
            return response

    range_header = request.headers.get("Range")
    forwarded = _range_to_forward(range_header)
    try:
        upstream = await (fetcher or PreviewFetcher()).open(target, range_header=forwarded)
    except PreviewError as exc:
        logger.info("preview refused or failed", extra={"code": exc.code, "reason": exc.detail})
        return preview_error(exc)

    if upstream.status == 206:
        return _relay_range(upstream)
    try:
        writer = await asyncio.to_thread(CacheWriter, key, upstream.audio)
    except OSError:
        # Still served, only not kept.
        logger.warning("preview cache not writable", extra={"folder": str(_folder(key))})
        writer = None

    if upstream.length is None:
        if writer is None:
            await upstream.aclose()
            return preview_error(PreviewError("The preview cache is not writable."))
        # No size announced: the cap can only be judged at the end, before any answer.
        try:
            cached = await _download(upstream, writer)
        except PreviewError as exc:
            return preview_error(exc)
        response = await _serve_cached(request, cached)
        return response or preview_error(PreviewError("The preview vanished from the cache."))

    length = upstream.length
    if range_header and _FROM_THE_START.fullmatch(range_header):
        # The whole body is the range asked for.
        response = StreamingHttpResponse(PreviewBody(upstream, writer), status=206)
        response["Content-Range"] = f"bytes 0-{length - 1}/{length}"
    else:
        response = StreamingHttpResponse(PreviewBody(upstream, writer), status=200)
    return _audio_headers(response, upstream.audio.content_type, length)
