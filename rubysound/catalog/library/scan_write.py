"""Step 3b of a scan: write what was read, in batches, and give albums their covers.

A transaction per batch and a savepoint per file, so one bad file never undoes another and
no row is half written; every write goes through ``ingest`` and ``artwork``.
"""

import logging
from pathlib import Path

from django.db import DatabaseError, transaction

from rubysound.catalog.library.artwork import set_album_cover
from rubysound.catalog.library.audio import compute_peaks
from rubysound.catalog.library.ingest import (
    LookupCache,
    delete_empty_albums_and_artists,
    move_library_track,
    record_library_track,
    touch_library_track,
)
from rubysound.catalog.library.scan_read import ReadOutcome
from rubysound.catalog.library.scan_report import ScanIssue, ScanSummary, os_reason
from rubysound.catalog.library.scan_targets import ScanTarget
from rubysound.catalog.library.scan_walk import QUERY_CHUNK, Walk
from rubysound.catalog.library.tags import TagError, read_tags
from rubysound.catalog.models import Album

logger = logging.getLogger(__name__)


def write_batch(
    outcomes: list[ReadOutcome],
    summary: ScanSummary,
    missing: dict[int, tuple[Path, str]],
    folder_covers: dict[tuple[Path, str], Path],
    covers_done: set[int],
    cache: LookupCache,
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
                delete_empty_albums_and_artists(left_albums, left_artists)
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
    outcome: ReadOutcome,
    summary: ScanSummary,
    moved: list[int],
    left_albums: set[int],
    left_artists: set[int],
    cache: LookupCache,
) -> None:
    found = outcome.work.found
    root = str(found.root)
    if outcome.kind == "touch":
        touch_library_track(
            outcome.work.track_id,
            size=found.size,
            mtime=found.mtime,
            lyrics_file=outcome.lyrics_file,
        )
        summary.unchanged += 1
        return
    if outcome.kind == "move":
        track = move_library_track(
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
    result = record_library_track(
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
    outcome: ReadOutcome,
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
            summary.notes.append(ScanIssue(str(folder_image), f"cover not read: {os_reason(exc)}"))
    if image is None and outcome.tags is not None and outcome.tags.cover:
        image = outcome.tags.cover
    if image is None:
        return
    try:
        if set_album_cover(album, image):
            summary.covers += 1
        covers_now.add(album.pk)
    except Exception as exc:  # a cover that cannot be stored never costs the track
        logger.exception("event=cover_store_failed album=%s", album.pk)
        summary.notes.append(ScanIssue(str(found.path), f"cover not stored: {exc}"))


def refresh_folder_covers(
    walks: list[tuple[ScanTarget, Walk]], summary: ScanSummary, covers_done: set[int]
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
                if set_album_cover(album, image.read_bytes()):
                    summary.covers += 1
            except Exception as exc:
                logger.exception("event=cover_store_failed album=%s", album.pk)
                summary.notes.append(ScanIssue(str(image), f"cover not stored: {exc}"))
            covers_done.add(album.pk)
