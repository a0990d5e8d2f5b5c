"""Transcoding a library file with ffmpeg: to mp3, opus or aac at a bitrate, from an offset.

``plan_transcode`` decides whether a request needs ffmpeg at all (the original bytes answer
whenever they would do: no format and no bitrate cap, ``raw``, or a cap at or above the
file's own bitrate). ``transcode_response`` answers the bytes as ffmpeg produces them.

- ffmpeg runs as an asyncio subprocess: the event loop never waits on it.
- At most ``TRANSCODE_MAX_CONCURRENT`` run per process; one more is refused with
  ``TranscodeBusy`` (HTTP 429 with Retry-After), before anything is started.
- ffmpeg is killed and reaped when the client goes away (Django cancels the body's
  iterator and closes the response; both paths kill it), so no process is left behind.
- A transcode that ran to its end is kept under ``TRANSCODE_CACHE_DIR``: the same file,
  format, bitrate and offset is then served from disk. The folder is held under
  ``TRANSCODE_CACHE_MAX_BYTES`` by removing the least recently used files first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from rubysound.catalog.errors import TranscodeBusy
from rubysound.catalog.models import Track
from rubysound.catalog.streaming.files import UNAVAILABLE_DETAIL, locate
from rubysound.core.exceptions import json_error_response
from rubysound.core.http.ranges import FileChunks, FileUnavailable, open_regular_file

logger = logging.getLogger("rubysound.catalog.streaming.transcode")

CHUNK_SIZE = 64 * 1024
# A client told to come back: one transcode of a song takes seconds.
RETRY_AFTER_SECONDS = 5
MIN_KBPS = 32
MAX_KBPS = 320


@dataclass(frozen=True)
class Target:
    name: str
    codec: str  # ffmpeg's encoder
    muxer: str  # ffmpeg's output format (streamable: no seeking back to write a header)
    content_type: str
    default_kbps: int


TARGETS = {
    "mp3": Target("mp3", "libmp3lame", "mp3", "audio/mpeg", 192),
    "opus": Target("opus", "libopus", "ogg", "audio/ogg", 128),
    "aac": Target("aac", "aac", "adts", "audio/aac", 192),
}
# When only a bitrate is asked: the best sound per bit, and every current app plays it.
DEFAULT_TARGET = "opus"


@dataclass(frozen=True)
class Transcode:
    target: Target
    kbps: int
    offset_seconds: float = 0.0


def ffmpeg_binary() -> str | None:
    """The ffmpeg to run: ``FFMPEG_BINARY`` when set (and executable), else the one on PATH."""
    configured = settings.FFMPEG_BINARY
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("ffmpeg")


def transcoding_available() -> bool:
    return ffmpeg_binary() is not None


def _source_kbps(track: Track) -> int | None:
    return track.bitrate // 1000 if track.bitrate else None


def plan_transcode(
    track: Track,
    *,
    format: str | None = None,
    max_kbps: int | None = None,
    offset_seconds: float = 0.0,
) -> Transcode | None:
    """The transcode a request asks for, or None when the original file answers it: no
    format and no bitrate cap (or 0, "no limit"), ``raw``, an unknown format with no cap,
    the file's own format with no lower cap, a cap at or above the file's bitrate with no
    other format asked, or no ffmpeg on this machine."""
    wanted = (format or "").lower().strip()
    max_kbps = max_kbps or None
    if wanted == "raw" or not transcoding_available():
        return None
    source_format = (track.format or Path(track.path or "").suffix.lstrip(".")).lower()
    source_kbps = _source_kbps(track)
    within_cap = max_kbps is None or (source_kbps is not None and max_kbps >= source_kbps)
    if wanted in TARGETS:
        if wanted == source_format and within_cap:
            return None  # already what is asked
        target_name = wanted
    else:
        # No format, or one we do not make ("flv"): only a cap below the file's bitrate
        # asks for a transcode.
        if within_cap:
            return None
        target_name = DEFAULT_TARGET
    target = TARGETS[target_name]
    kbps = max_kbps or target.default_kbps
    return Transcode(target, max(MIN_KBPS, min(MAX_KBPS, kbps)), max(0.0, offset_seconds))


def ffmpeg_arguments(binary: str, source: Path, transcode: Transcode) -> list[str]:
    seek = ["-ss", f"{transcode.offset_seconds:.3f}"] if transcode.offset_seconds else []
    return [
        binary,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        *seek,  # before -i: a fast seek in the input, not decoding up to the offset
        "-i",
        f"file:{source}",  # a path, whatever it holds: never read as another protocol
        "-map",
        "0:a:0",  # the audio only: an embedded cover is a video stream
        "-map_metadata",
        "-1",
        "-c:a",
        transcode.target.codec,
        "-b:a",
        f"{transcode.kbps}k",
        "-f",
        transcode.target.muxer,
        "pipe:1",
    ]


def estimated_length(track: Track, transcode: Transcode) -> int | None:
    if not track.duration:
        return None
    seconds = max(0.0, track.duration - transcode.offset_seconds)
    return int(seconds * transcode.kbps * 1000 / 8)


# --- How many run at once ----------------------------------------------------------------


class _Slots:
    """A per-process count of running transcodes (a thread may close a response)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.active = 0

    def try_acquire(self) -> bool:
        with self._lock:
            if self.active >= settings.TRANSCODE_MAX_CONCURRENT:
                return False
            self.active += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.active = max(0, self.active - 1)


SLOTS = _Slots()


class _Slot:
    """One taken slot, given back exactly once however the response ends."""

    def __init__(self):
        self._released = False
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        SLOTS.release()


# --- The disk cache ------------------------------------------------------------------------


def cache_dir() -> Path:
    return Path(settings.TRANSCODE_CACHE_DIR)


def cache_path(source: Path, transcode: Transcode) -> Path:
    stat = source.stat()
    key = "\0".join(
        (
            str(source),
            str(stat.st_size),
            str(stat.st_mtime_ns),
            transcode.target.name,
            str(transcode.kbps),
            str(round(transcode.offset_seconds * 1000)),
        )
    )
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return cache_dir() / f"{digest}.{transcode.target.name}"


def _open_cached(path: Path):
    """The cached transcode, opened and marked as just used; None when there is none."""
    try:
        handle, facts = open_regular_file(path)
    except FileUnavailable:
        return None, None
    with contextlib.suppress(OSError):
        os.utime(path)  # the LRU order is the files' mtimes
    return handle, facts


def evict(limit: int | None = None) -> None:
    """Removes the least recently used transcodes until the folder is under the cap."""
    limit = settings.TRANSCODE_CACHE_MAX_BYTES if limit is None else limit
    entries = []
    try:
        with os.scandir(cache_dir()) as scan:
            for entry in scan:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue  # a transcode still being written
                with contextlib.suppress(OSError):
                    stat = entry.stat(follow_symlinks=False)
                    entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
    except FileNotFoundError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        total -= size


def _keep(scratch: Path, final: Path) -> None:
    if scratch.stat().st_size > settings.TRANSCODE_CACHE_MAX_BYTES:
        scratch.unlink(missing_ok=True)
        return
    os.replace(scratch, final)
    evict()


# --- The response --------------------------------------------------------------------------


class _Run:
    """One ffmpeg run feeding one response: the bytes as produced, a copy to the cache."""

    def __init__(self, arguments: list[str], final: Path, slot: _Slot, declared: int | None):
        self.arguments = arguments
        self.final = final
        self.slot = slot
        self.declared = declared
        self.process: asyncio.subprocess.Process | None = None

    def kill(self) -> None:
        """Kills ffmpeg if it still runs (the response was closed before the end)."""
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        self.slot.release()

    async def chunks(self):
        scratch = self.final.parent / f".{self.final.name}.{uuid.uuid4().hex}.part"
        copy = None
        complete = False
        sent = 0
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.arguments,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self.final.parent.mkdir, parents=True, exist_ok=True)
                copy = await asyncio.to_thread(open, scratch, "wb")
            while chunk := await self.process.stdout.read(CHUNK_SIZE):
                if copy is not None:
                    await asyncio.to_thread(copy.write, chunk)
                if self.declared is not None:
                    # Never more than the announced Content-Length.
                    chunk = chunk[: max(0, self.declared - sent)]
                if chunk:
                    sent += len(chunk)
                    yield chunk
            complete = await self.process.wait() == 0
            if self.declared is not None and sent < self.declared:
                # The estimate was long: the rest is silence to the decoders (they skip
                # bytes that are no frame), and the client gets the length it was told.
                yield bytes(self.declared - sent)
        finally:
            if self.process is not None and self.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                # Reaped here, whatever cancelled us: no zombie is left behind.
                await asyncio.shield(self.process.wait())
            self.slot.release()
            if copy is not None:
                copy.close()
                if complete:
                    await asyncio.to_thread(_keep, scratch, self.final)
                else:
                    scratch.unlink(missing_ok=True)
            if not complete and self.process is not None:
                logger.info(
                    "transcode stopped",
                    extra={"returncode": self.process.returncode, "sent_bytes": sent},
                )


class TranscodeResponse(StreamingHttpResponse):
    """ffmpeg's output as the body. Django closes a response however it ends: one whose
    body was never started (or was abandoned) still gives back its slot and leaves no
    ffmpeg running."""

    def __init__(self, run: _Run, **kwargs):
        super().__init__(run.chunks(), **kwargs)
        self._run = run

    def close(self) -> None:
        self._run.kill()
        super().close()


def _headers(response: HttpResponseBase, cache: str) -> HttpResponseBase:
    response["Accept-Ranges"] = "none"
    response["Cache-Control"] = "private, no-store"
    response["X-Transcode-Cache"] = cache
    return response


async def transcode_response(
    request, track: Track, transcode: Transcode, *, estimate_length: bool = False
) -> HttpResponseBase:
    """The transcoded bytes of ``track``: from the disk cache, else from a new ffmpeg run.

    Raises ``TranscodeBusy`` when this process already runs as many as it may.
    """
    binary = ffmpeg_binary()
    try:
        source = (await asyncio.to_thread(locate, track)).path
        final = await asyncio.to_thread(cache_path, source, transcode)
    except (FileUnavailable, OSError):
        return json_error_response(404, UNAVAILABLE_DETAIL, "file_unavailable")
    content_type = transcode.target.content_type

    handle, facts = await asyncio.to_thread(_open_cached, final)
    if handle is not None:
        if request.method != "GET":
            handle.close()
            response = HttpResponse(content_type=content_type)
        else:
            response = StreamingHttpResponse(
                FileChunks(handle, 0, facts.size), content_type=content_type
            )
        response["Content-Length"] = str(facts.size)
        return _headers(response, "hit")

    declared = estimated_length(track, transcode) if estimate_length else None
    if request.method != "GET" or binary is None:
        response = HttpResponse(content_type=content_type)
        if declared is not None:
            response["Content-Length"] = str(declared)
        return _headers(response, "miss")

    if not SLOTS.try_acquire():
        raise TranscodeBusy(retry_after=RETRY_AFTER_SECONDS)
    run = _Run(ffmpeg_arguments(binary, source, transcode), final, _Slot(), declared)
    logger.info(
        "transcode started",
        extra={
            "track_id": track.pk,
            "target": transcode.target.name,
            "kbps": transcode.kbps,
            "offset_seconds": transcode.offset_seconds,
        },
    )
    response = TranscodeResponse(run, content_type=content_type)
    if declared is not None:
        response["Content-Length"] = str(declared)
    return _headers(response, "miss")
