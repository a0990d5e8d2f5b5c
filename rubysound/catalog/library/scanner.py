"""The library scanner: walks library folders and brings the catalog in line with them.

A scan runs in three steps:

1. **Walk** each target folder (``os.scandir``, symlinks followed with loop detection),
   noting every audio file with its size and mtime. Nothing is opened yet (``scan_walk``).
2. **Compare** with what the catalog knows: one query per library root loads
   ``path -> (size, mtime)``. Files whose size and mtime match are *unchanged* and never
   opened. Tracks whose file was not found are *missing* (``scan_walk``).
3. **Read** new and changed files (sha256 of the content, tags with mutagen, waveform peaks
   with soundfile; ``scan_read``) and write them through ``ingest`` in batches
   (``scan_write``): a transaction per batch and a savepoint per file, so one bad file
   never undoes another and no row is half written. A new file whose content hash equals a
   missing track's is that track *moved*: the row follows the file and keeps its listens.
   A changed file with the same hash was only touched.

Every problem (corrupt, truncated, non-audio or unreadable files, symlink loops, folders
that cannot be listed) lands in ``ScanSummary.failed`` with a reason, and the scan goes on.
Tracks are stored with ``library_root`` = the root folder and ``path`` = the file's path
below it (POSIX separators), so a library can be mounted elsewhere and rescanned.
"""

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from django.db import DatabaseError, close_old_connections, connection
from tqdm import tqdm

from rubysound.catalog.library.audio import native_stderr_silenced
from rubysound.catalog.library.ingest import LookupCache, delete_library_tracks
from rubysound.catalog.library.scan_read import FileReader
from rubysound.catalog.library.scan_report import ScanIssue, ScanSummary
from rubysound.catalog.library.scan_targets import ScanError, ScanTarget, resolve_targets
from rubysound.catalog.library.scan_walk import (
    FileToRead,
    Walk,
    compare_with_catalog,
    load_hashes,
    walk_target,
)
from rubysound.catalog.library.scan_write import refresh_folder_covers, write_batch

logger = logging.getLogger(__name__)

BATCH_FILES = 64  # files written per transaction
READER_THREADS = 4


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
    walks: list[tuple[ScanTarget, Walk]] = []
    for target in targets:
        if str(target.root) not in summary.roots:
            summary.roots.append(str(target.root))
        if not target.root.is_dir():
            if paths is None:  # a configured folder that is not there yet: nothing to do
                summary.notes.append(ScanIssue(str(target.root), "library folder not found"))
                continue
            raise ScanError(f"{target.root} is not a folder")
        walks.append((target, walk_target(target, summary)))

    work: list[FileToRead] = []
    missing: dict[int, tuple[Path, str]] = {}  # track id -> (root, path)
    for target, walk in walks:
        compare_with_catalog(target, walk, summary, work, missing, force=force)

    stored_hashes = load_hashes([w.track_id for w in work if w.track_id] + list(missing))
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
    cache = LookupCache()
    reader = FileReader(stored_hashes, missing_by_hash, force=force)
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
            write_batch(outcomes, summary, missing, folder_covers, covers_done, cache)
            bar.update(len(outcomes))

    refresh_folder_covers(walks, summary, covers_done)

    if missing:
        if prune:
            summary.removed = delete_library_tracks(sorted(missing))
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


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
