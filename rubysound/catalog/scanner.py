"""The library scanner: walks library folders and brings the catalog in line with them.

A scan runs in three steps:

1. **Walk** each target folder (``os.scandir``, symlinks followed with loop detection),
   noting every audio file with its size and mtime. Nothing is opened yet.
2. **Compare** with what the catalog knows: one query per library root loads
   ``path -> (size, mtime)``. Files whose size and mtime match are *unchanged* and never
   opened. Tracks whose file was not found are *missing*.
3. **Read** new and changed files (sha256 of the content, tags with mutagen, waveform peaks
   with soundfile) and write them through ``services`` in batches: a transaction per batch
   and a savepoint per file, so one bad file never undoes another and no row is half
   written. A new file whose content hash equals a missing track's is that track *moved*:
   the row follows the file and keeps its listens. A changed file with the same hash was
   only touched.

Every problem (corrupt, truncated, non-audio or unreadable files, symlink loops, folders
that cannot be listed) lands in ``ScanSummary.failed`` with a reason, and the scan goes on.
Tracks are stored with ``library_root`` = the root folder and ``path`` = the file's path
below it (POSIX separators), so a library can be mounted elsewhere and rescanned.
"""

import errno
import hashlib
import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from tqdm import tqdm

from . import services
from .audio import DECODABLE_FORMATS, compute_peaks, native_stderr_silenced
from .models import Album, Track
from .tags import AUDIO_EXTENSIONS, AudioTags, TagError, read_tags

logger = logging.getLogger(__name__)

BATCH_FILES = 64  # files written per transaction
READER_THREADS = 4
HASH_CHUNK = 1024 * 1024
QUERY_CHUNK = 500
_FOLDER_COVER_LOWER = frozenset(services.FOLDER_COVER_NAMES)


class ScanError(Exception):
    """A problem that stops the scan before it starts (a folder that does not exist)."""


@dataclass(frozen=True)
class ScanIssue:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ScanSummary:
    roots: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    removed: int = 0
    missing: int = 0  # tracks whose file is gone, kept because --prune was not given
    ignored: int = 0  # files that are not audio (images, text, playlists, ...)
    covers: int = 0  # album covers written
    failed: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)  # fixed tags, partial waveforms
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.removed or self.covers)

    def line(self) -> str:
        parts = [
            f"{self.added} added",
            f"{self.updated} updated",
            f"{self.moved} moved",
            f"{self.unchanged} unchanged",
            f"{self.removed} removed",
            f"{len(self.failed)} failed",
        ]
        if self.missing:
            parts.append(f"{self.missing} missing (run with --prune to remove)")
        if self.ignored:
            parts.append(f"{self.ignored} not audio (ignored)")
        return f"Scan: {', '.join(parts)} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class ScanTarget:
    """What to scan: a library ``root`` and, inside it, a folder or file (``scope``)."""

    root: Path
    scope: str = ""  # POSIX path relative to root; "" for the whole root
    is_file: bool = False

    def covers(self, path: str) -> bool:
        if self.is_file:
            return path == self.scope
        return not self.scope or path.startswith(self.scope + "/")


# --- Targets -------------------------------------------------------------------------------


def resolve_targets(paths: Iterable[Path | str] | None = None) -> list[ScanTarget]:
    """Scan targets for command-line paths, or every configured library folder.

    A path inside a configured library folder is scanned as part of that library (its
    tracks keep paths relative to the library root); a path elsewhere becomes its own root.
    Raises ScanError for a path that does not exist.
    """
    libraries = [Path(p) for p in settings.LIBRARY_DIRS]
    if not paths:
        # A folder configured inside another one is scanned as part of the outer library,
        # never twice under two roots.
        return [
            ScanTarget(root=library)
            for library in dict.fromkeys(libraries)
            if not any(other != library and other in library.parents for other in libraries)
        ]
    targets: list[ScanTarget] = []
    for raw in paths:
        given = Path(raw).expanduser()
        if not os.path.lexists(given):
            raise ScanError(f"{given} does not exist")
        is_file = not given.is_dir()
        absolute = (
            Path(os.path.abspath(given.parent)).resolve() / given.name
            if is_file
            else given.resolve()
        )
        for library in libraries:
            if absolute == library or library in absolute.parents:
                scope = absolute.relative_to(library).as_posix()
                targets.append(ScanTarget(library, "" if scope == "." else scope, is_file))
                break
        else:
            if is_file:
                targets.append(ScanTarget(absolute.parent, absolute.name, True))
            else:
                targets.append(ScanTarget(absolute))
    return _without_overlaps(targets)


def _without_overlaps(targets: list[ScanTarget]) -> list[ScanTarget]:
    kept: list[ScanTarget] = []
    for target in sorted(set(targets), key=lambda t: (str(t.root), t.scope, t.is_file)):
        if any(k.root == target.root and not k.is_file and k.covers(target.scope) for k in kept):
            continue
        if any(k == target for k in kept):
            continue
        kept.append(target)
    return kept


# --- Scan ----------------------------------------------------------------------------------


@dataclass
class _Found:
    root: Path
    rel: str
    path: Path
    size: int
    mtime: float
    folder: str  # rel of the containing folder


@dataclass
class _Work:
    found: _Found
    track_id: int | None  # known row (changed file), None for a new file


@dataclass
class _Outcome:
    work: _Work
    kind: str  # "record", "touch", "move", "failed"
    content_hash: str = ""
    tags: AudioTags | None = None
    peaks: list[int] | None = None
    move_track_id: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    record: services.TrackWrite | None = None


def scan_library(
    paths: Iterable[Path | str] | None = None,
    *,
    targets: Sequence[ScanTarget] | None = None,
    prune: bool = False,
    force: bool = False,
    progress: bool = False,
    silence_decoder_messages: bool = False,
) -> ScanSummary:
    """Scans ``paths`` (or ``targets``; default: settings.LIBRARY_DIRS) into the catalog.

    ``prune`` deletes tracks whose file is gone; ``force`` re-reads files even when their
    size and mtime are unchanged. ``progress`` shows a bar on stderr when it is a terminal.
    Raises ScanError only for a given path that does not exist; everything else is reported
    in the returned summary.
    """
    started = time.monotonic()
    summary = ScanSummary()
    if targets is None:
        targets = resolve_targets(paths)
    walks: list[tuple[ScanTarget, _Walk]] = []
    for target in targets:
        if str(target.root) not in summary.roots:
            summary.roots.append(str(target.root))
        if not target.root.is_dir():
            if paths is None:  # a configured folder that is not there yet: nothing to do
                summary.notes.append(ScanIssue(str(target.root), "library folder not found"))
                continue
            raise ScanError(f"{target.root} is not a folder")
        walks.append((target, _walk(target, summary)))

    work: list[_Work] = []
    missing: dict[int, tuple[Path, str]] = {}  # track id -> (root, path)
    for target, walk in walks:
        _compare(target, walk, summary, work, missing, force=force)

    stored_hashes = _load_hashes([w.track_id for w in work if w.track_id] + list(missing))
    missing_by_hash: dict[str, list[int]] = {}
    for track_id in missing:
        digest = stored_hashes.get(track_id)
        if digest:
            missing_by_hash.setdefault(digest, []).append(track_id)

    folder_covers = {
        (target.root, folder): cover
        for target, walk in walks
        for folder, cover in walk.covers.items()
    }
    covers_done: set[int] = set()
    cache = services.LookupCache()
    reader = _Reader(stored_hashes, missing_by_hash, force=force)
    threads = min(READER_THREADS, os.cpu_count() or 1) if len(work) > 1 else 1
    show_progress = progress and _is_terminal(sys.stderr)
    batches = [work[start : start + BATCH_FILES] for start in range(0, len(work), BATCH_FILES)]
    with ExitStack() as stack:
        stream = sys.stderr
        if silence_decoder_messages and work:
            # libmpg123 prints about damaged frames straight to file descriptor 2: the
            # command line sends that to /dev/null for the scan (fd 2 is process-wide, so
            # once, not per thread) and draws its progress bar on the real stderr.
            stream = stack.enter_context(native_stderr_silenced())
        bar = stack.enter_context(
            tqdm(
                total=len(work),
                desc="Scanning",
                unit="file",
                file=stream,
                disable=not show_progress,
                leave=False,
            )
        )
        # Files are read (hash, tags, waveform: C code that releases the GIL) by a few
        # threads, one batch ahead of the writes, which all stay on this thread.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=threads))
        ahead = [pool.submit(reader.read, item) for item in batches[0]] if batches else []
        for index in range(len(batches)):
            outcomes = [future.result() for future in ahead]
            if index + 1 < len(batches):
                ahead = [pool.submit(reader.read, item) for item in batches[index + 1]]
            _write_batch(outcomes, summary, missing, folder_covers, covers_done, cache)
            bar.update(len(outcomes))

    _refresh_folder_covers(walks, summary, covers_done)

    if missing:
        if prune:
            summary.removed = services.delete_library_tracks(sorted(missing))
        else:
            summary.missing = len(missing)
    summary.seconds = time.monotonic() - started
    logger.info(
        "event=library_scan added=%d updated=%d moved=%d unchanged=%d removed=%d failed=%d "
        "missing=%d seconds=%.2f",
        summary.added,
        summary.updated,
        summary.moved,
        summary.unchanged,
        summary.removed,
        len(summary.failed),
        summary.missing,
        summary.seconds,
    )
    return summary


def watch_library(
    paths: Iterable[Path | str] | None = None,
    *,
    interval: float = 60.0,
    prune: bool = False,
    report: Callable[[ScanSummary], None] | None = None,
    iterations: int | None = None,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Rescans every ``interval`` seconds until interrupted (or ``iterations`` scans).

    A simple polling loop: no extra dependency, and it works on network mounts where file
    system events do not. A folder that vanishes or a database that is briefly away is
    reported and retried at the next round instead of ending the watch.
    """
    paths = list(paths) if paths else None
    done = 0
    while iterations is None or done < iterations:
        if done:
            (sleep or time.sleep)(interval)
        if not connection.in_atomic_block:
            # Between rounds a long-lived command drops stale connections; inside a caller's
            # transaction the connection is not ours to close.
            close_old_connections()
        try:
            summary = scan_library(paths, prune=prune, silence_decoder_messages=True)
        except (ScanError, DatabaseError) as exc:
            logger.warning("event=library_watch_scan_failed error=%s", exc)
            summary = ScanSummary(failed=[ScanIssue("scan", str(exc))])
        done += 1
        if report is not None:
            report(summary)


# --- Step 1: walk ----------------------------------------------------------------------------


@dataclass
class _Walk:
    files: list[_Found] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # folders that could not be listed
    covers: dict[str, Path] = field(default_factory=dict)  # folder rel -> folder image
    # Albums of already known tracks in folders that hold an image: folder rel -> album ids.
    folder_albums: dict[str, set[int]] = field(default_factory=dict)


def _walk(target: ScanTarget, summary: ScanSummary) -> _Walk:
    walk = _Walk()
    root = target.root
    start = root / target.scope if target.scope else root
    if target.is_file:
        try:
            st = os.stat(start)
        except OSError as exc:
            summary.failed.append(ScanIssue(str(start), _os_reason(exc)))
            return walk
        if stat.S_ISREG(st.st_mode):
            folder = target.scope.rpartition("/")[0]
            walk.files.append(_Found(root, target.scope, start, st.st_size, st.st_mtime, folder))
            cover = services.find_folder_cover(start.parent)
            if cover is not None:
                walk.covers[folder] = cover
        else:
            summary.failed.append(ScanIssue(str(start), "not a regular file"))
        return walk

    try:
        st = os.stat(start)
    except OSError as exc:
        summary.failed.append(ScanIssue(str(start), _os_reason(exc)))
        walk.unreadable.append(target.scope)
        return walk
    visited = {(st.st_dev, st.st_ino)}
    stack = [(start, target.scope)]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            summary.failed.append(
                ScanIssue(str(directory), f"{_os_reason(exc)}: folder skipped, its files kept")
            )
            walk.unreadable.append(prefix)
            continue
        subfolders = []
        images = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue  # hidden files: .DS_Store, ._resource forks, our own manifests
            rel = f"{prefix}/{name}" if prefix else name
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                shown = (
                    str(root / rel).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                )
                summary.failed.append(ScanIssue(shown, "name is not valid UTF-8: rename it"))
                continue
            try:
                if entry.is_symlink():
                    st = os.stat(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                summary.failed.append(ScanIssue(str(root / rel), _symlink_reason(exc)))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    summary.failed.append(
                        ScanIssue(
                            str(root / rel),
                            "symlink loop: leads back to a folder already scanned",
                        )
                    )
                    continue
                visited.add(key)
                subfolders.append((Path(entry.path), rel))
                continue
            extension = os.path.splitext(name)[1].lower()
            if not stat.S_ISREG(st.st_mode):
                if extension in AUDIO_EXTENSIONS:
                    summary.failed.append(
                        ScanIssue(str(root / rel), "not a regular file (pipe, socket or device)")
                    )
                continue
            if extension in AUDIO_EXTENSIONS:
                walk.files.append(
                    _Found(root, rel, Path(entry.path), st.st_size, st.st_mtime, prefix)
                )
            else:
                summary.ignored += 1
                if name.lower() in _FOLDER_COVER_LOWER:
                    images.append(name)
        if images:
            cover = services.find_folder_cover(Path(directory), images)
            if cover is not None:
                walk.covers[prefix] = cover
        stack.extend(reversed(subfolders))
    return walk


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _symlink_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink: its target does not exist"
    return _os_reason(exc)


# --- Step 2: compare -------------------------------------------------------------------------


def _compare(
    target: ScanTarget,
    walk: _Walk,
    summary: ScanSummary,
    work: list[_Work],
    missing: dict[int, tuple[Path, str]],
    *,
    force: bool,
) -> None:
    """Sorts found files into unchanged, changed and new with one query for the target."""
    root = str(target.root)
    known = Track.objects.filter(source=Track.Source.LIBRARY, library_root=root)
    if target.is_file:
        known = known.filter(path=target.scope)
    elif target.scope:
        known = known.filter(path__startswith=target.scope + "/")
    # order_by(): the model's default ordering would join artists and albums for nothing.
    existing: dict[str, tuple[int, int | None, float | None]] = {}
    rows = known.order_by().values_list("id", "path", "size", "mtime", "album_id")
    for track_id, path, size, mtime, album_id in rows:
        if not target.covers(path):  # LIKE is case-insensitive on SQLite: filter exactly here
            continue
        existing[path] = (track_id, size, mtime)
        if album_id is not None and walk.covers:
            folder = path.rpartition("/")[0]
            if folder in walk.covers:
                walk.folder_albums.setdefault(folder, set()).add(album_id)

    seen: set[str] = set()
    for found in walk.files:
        seen.add(found.rel)
        known_file = existing.get(found.rel)
        if known_file is None:
            work.append(_Work(found, None))
            continue
        track_id, size, mtime = known_file
        if not force and size == found.size and mtime == found.mtime:
            summary.unchanged += 1
        else:
            work.append(_Work(found, track_id))

    gone = [
        (track_id, path)
        for path, (track_id, _, _) in existing.items()
        if path not in seen and not _under_any(path, walk.unreadable)
    ]
    if gone and not walk.files and not target.is_file:
        # An empty root with tracks recorded under it is far more often an unmounted drive
        # than a deleted collection: never treat its tracks as gone.
        summary.failed.append(
            ScanIssue(
                str(target.root / target.scope),
                f"no audio files found but {len(gone)} tracks are recorded here "
                "(unmounted drive?): nothing removed",
            )
        )
        return
    for track_id, path in gone:
        missing[track_id] = (target.root, path)


def _under_any(path: str, folders: list[str]) -> bool:
    return any(not folder or path == folder or path.startswith(folder + "/") for folder in folders)


def _load_hashes(track_ids: list[int]) -> dict[int, str]:
    hashes: dict[int, str] = {}
    for start in range(0, len(track_ids), QUERY_CHUNK):
        chunk = track_ids[start : start + QUERY_CHUNK]
        hashes.update(
            Track.objects.filter(pk__in=chunk).order_by().values_list("id", "content_hash")
        )
    return hashes


# --- Step 3: read and write ------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Reader:
    """Reads new and changed files (thread-safe): hash first, then tags and waveform."""

    def __init__(
        self,
        stored_hashes: dict[int, str],
        missing_by_hash: dict[str, list[int]],
        *,
        force: bool,
    ):
        self.stored_hashes = stored_hashes
        self.missing_by_hash = missing_by_hash
        self.force = force
        self.lock = threading.Lock()

    def read(self, item: _Work) -> _Outcome:
        try:
            return self._read(item)
        except Exception as exc:  # a reader bug on one file must not end the scan
            logger.exception("event=scan_read_failed path=%s", item.found.path)
            return _Outcome(item, "failed", reason=f"unexpected error: {exc}")

    def _read(self, item: _Work) -> _Outcome:
        found = item.found
        if found.size == 0:
            return _Outcome(item, "failed", reason="empty file (0 bytes)")
        try:
            content_hash = file_sha256(found.path)
        except OSError as exc:
            return _Outcome(item, "failed", reason=_os_reason(exc))

        known = item.track_id is not None
        if known and not self.force and self.stored_hashes.get(item.track_id) == content_hash:
            return _Outcome(item, "touch", content_hash)
        if item.track_id is None:
            with self.lock:
                candidates = self.missing_by_hash.get(content_hash)
                moved_from = candidates.pop() if candidates else None
            if moved_from is not None:
                return _Outcome(item, "move", content_hash, move_track_id=moved_from)

        tags = read_tags(found.path)
        if isinstance(tags, TagError):
            return _Outcome(item, "failed", content_hash, reason=tags.reason)
        notes = list(tags.warnings)
        waveform = compute_peaks(found.path, audio_format=tags.format)
        if waveform.peaks is None and tags.format in DECODABLE_FORMATS and not tags.duration:
            reason = "no audio could be decoded (empty or truncated)"
            return _Outcome(item, "failed", content_hash, reason=reason)
        if waveform.problem:
            notes.append(waveform.problem)
        return _Outcome(item, "record", content_hash, tags=tags, peaks=waveform.peaks, notes=notes)


def _write_batch(
    outcomes: list[_Outcome],
    summary: ScanSummary,
    missing: dict[int, tuple[Path, str]],
    folder_covers: dict[tuple[Path, str], Path],
    covers_done: set[int],
    cache: services.LookupCache,
) -> None:
    """Writes a batch in one transaction, each file in its own savepoint.

    Counts are kept aside and merged only once the transaction committed, so the summary
    never claims a track that a failed commit took back.
    """
    batch = ScanSummary()
    moved: list[int] = []
    covers: set[int] = set()
    left_albums: set[int] = set()
    left_artists: set[int] = set()
    try:
        with transaction.atomic():
            for outcome in outcomes:
                shown = str(outcome.work.found.path)
                batch.notes.extend(ScanIssue(shown, note) for note in outcome.notes)
                if outcome.kind == "failed":
                    batch.failed.append(ScanIssue(shown, outcome.reason))
                    continue
                try:
                    with transaction.atomic():
                        _write_one(outcome, batch, moved, left_albums, left_artists, cache)
                except Exception as exc:  # one file's write failing must not stop the scan
                    logger.exception("event=scan_write_failed path=%s", shown)
                    cache.clear()  # rows it created were rolled back with the savepoint
                    batch.failed.append(ScanIssue(shown, f"could not be saved: {exc}"))
                    continue
                if outcome.kind == "record":
                    _apply_cover(outcome, batch, folder_covers, covers_done, covers)
            if left_albums or left_artists:
                services.delete_empty_albums_and_artists(left_albums, left_artists)
                cache.clear()
    except DatabaseError as exc:
        logger.exception("event=scan_batch_failed files=%d", len(outcomes))
        cache.clear()
        for outcome in outcomes:
            reason = outcome.reason or f"could not be saved: {exc}"
            summary.failed.append(ScanIssue(str(outcome.work.found.path), reason))
        return
    summary.added += batch.added
    summary.updated += batch.updated
    summary.moved += batch.moved
    summary.unchanged += batch.unchanged
    summary.covers += batch.covers
    summary.failed.extend(batch.failed)
    summary.notes.extend(batch.notes)
    covers_done |= covers
    for track_id in moved:
        missing.pop(track_id, None)


def _write_one(
    outcome: _Outcome,
    summary: ScanSummary,
    moved: list[int],
    left_albums: set[int],
    left_artists: set[int],
    cache: services.LookupCache,
) -> None:
    found = outcome.work.found
    root = str(found.root)
    if outcome.kind == "touch":
        services.touch_library_track(outcome.work.track_id, size=found.size, mtime=found.mtime)
        summary.unchanged += 1
        return
    if outcome.kind == "move":
        track = services.move_library_track(
            outcome.move_track_id, root=root, path=found.rel, size=found.size, mtime=found.mtime
        )
        if track is not None:
            moved.append(outcome.move_track_id)
            summary.moved += 1
            return
        # The old row is gone or the path is taken: read the file as a new one.
        tags = read_tags(found.path)
        if isinstance(tags, TagError):
            summary.failed.append(ScanIssue(str(found.path), tags.reason))
            return
        outcome.tags = tags
        outcome.peaks = compute_peaks(found.path, audio_format=tags.format).peaks
        outcome.kind = "record"
    result = services.record_library_track(
        root=root,
        path=found.rel,
        tags=outcome.tags,
        size=found.size,
        mtime=found.mtime,
        content_hash=outcome.content_hash,
        waveform=outcome.peaks,
        track_id=outcome.work.track_id,
        new=outcome.work.track_id is None,
        cache=cache,
    )
    outcome.record = result
    if result.created:
        summary.added += 1
    else:
        summary.updated += 1
    if result.left_album_id:
        left_albums.add(result.left_album_id)
    if result.left_artist_id:
        left_artists.add(result.left_artist_id)


def _apply_cover(
    outcome: _Outcome,
    summary: ScanSummary,
    folder_covers: dict[tuple[Path, str], Path],
    covers_done: set[int],
    covers_now: set[int],
) -> None:
    """Gives the track's album a cover: the folder image first, else the embedded art.

    The first file of an album that brings an image settles its cover for this scan
    (``covers_now``), so an album whose files carry different art is not rewritten per file.
    """
    album = outcome.record.track.album
    if album is None or album.pk in covers_done or album.pk in covers_now:
        return
    found = outcome.work.found
    image = None
    folder_image = folder_covers.get((found.root, found.folder))
    if folder_image is not None:
        try:
            image = folder_image.read_bytes()
        except OSError as exc:
            summary.notes.append(ScanIssue(str(folder_image), f"cover not read: {_os_reason(exc)}"))
    if image is None and outcome.tags is not None and outcome.tags.cover:
        image = outcome.tags.cover
    if image is None:
        return
    try:
        if services.set_album_cover(album, image):
            summary.covers += 1
        covers_now.add(album.pk)
    except Exception as exc:  # a cover that cannot be stored never costs the track
        logger.exception("event=cover_store_failed album=%s", album.pk)
        summary.notes.append(ScanIssue(str(found.path), f"cover not stored: {exc}"))


def _refresh_folder_covers(
    walks: list[tuple[ScanTarget, _Walk]], summary: ScanSummary, covers_done: set[int]
) -> None:
    """Picks up folder images added or replaced next to files that did not change.

    The albums of such folders were noted while comparing (no query per folder); one query
    loads them, and an image is only read when its album has no cover yet or the image is
    newer than the album row.
    """
    images: dict[int, Path] = {}
    for _, walk in walks:
        for folder, album_ids in walk.folder_albums.items():
            for album_id in album_ids:
                if album_id not in covers_done:
                    images.setdefault(album_id, walk.covers[folder])
    ids = sorted(images)
    for start in range(0, len(ids), QUERY_CHUNK):
        albums = Album.objects.filter(pk__in=ids[start : start + QUERY_CHUNK]).order_by("pk")
        for album in albums.only("id", "cover", "updated_at"):
            image = images[album.pk]
            try:
                changed_at = image.stat().st_mtime
            except OSError:
                continue
            if album.cover and changed_at <= album.updated_at.timestamp():
                continue
            try:
                if services.set_album_cover(album, image.read_bytes()):
                    summary.covers += 1
            except Exception as exc:
                logger.exception("event=cover_store_failed album=%s", album.pk)
                summary.notes.append(ScanIssue(str(image), f"cover not stored: {exc}"))
            covers_done.add(album.pk)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
