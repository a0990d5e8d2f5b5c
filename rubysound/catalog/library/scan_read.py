"""Step 3a of a scan: read new and changed files (on reader threads, no database).

Each file is hashed first: a changed file with the stored hash was only touched, and a
new file with a missing track's hash is that track moved. Only the others are opened for
their tags (mutagen) and waveform (soundfile).
"""

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rubysound.catalog.library.audio import DECODABLE_FORMATS, compute_peaks
from rubysound.catalog.library.ingest import TrackWrite
from rubysound.catalog.library.lyrics import FoundLyrics, lrc_beside
from rubysound.catalog.library.scan_report import os_reason
from rubysound.catalog.library.scan_walk import FileToRead
from rubysound.catalog.library.tags import AudioTags, TagError, read_tags

logger = logging.getLogger(__name__)

HASH_CHUNK = 1024 * 1024


@dataclass
class ReadOutcome:
    work: FileToRead
    kind: str  # "record", "touch", "move", "failed"
    content_hash: str = ""
    tags: AudioTags | None = None
    peaks: list[int] | None = None
    move_track_id: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    record: TrackWrite | None = None  # what the write did, once written
    lyrics_file: FoundLyrics | None = None  # "touch": the .lrc beside the unchanged audio


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileReader:
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

    def read(self, item: FileToRead) -> ReadOutcome:
        try:
            return self._read(item)
        except Exception as exc:  # a reader bug on one file must not end the scan
            logger.exception("event=scan_read_failed path=%s", item.found.path)
            return ReadOutcome(item, "failed", reason=f"unexpected error: {exc}")

    def _read(self, item: FileToRead) -> ReadOutcome:
        found = item.found
        if found.size == 0:
            return ReadOutcome(item, "failed", reason="empty file (0 bytes)")
        try:
            content_hash = file_sha256(found.path)
        except OSError as exc:
            return ReadOutcome(item, "failed", reason=os_reason(exc))

        known = item.track_id is not None
        if known and not self.force and self.stored_hashes.get(item.track_id) == content_hash:
            # The audio is the same; the lyrics file beside it may be what changed.
            return ReadOutcome(item, "touch", content_hash, lyrics_file=lrc_beside(found.path))
        if item.track_id is None:
            with self.lock:
                candidates = self.missing_by_hash.get(content_hash)
                moved_from = candidates.pop() if candidates else None
            if moved_from is not None:
                return ReadOutcome(item, "move", content_hash, move_track_id=moved_from)

        tags = read_tags(found.path)
        if isinstance(tags, TagError):
            return ReadOutcome(item, "failed", content_hash, reason=tags.reason)
        notes = list(tags.warnings)
        beside = lrc_beside(found.path)
        if beside is not None:
            tags.lyrics.append(beside)
        waveform = compute_peaks(found.path, audio_format=tags.format)
        if waveform.peaks is None and tags.format in DECODABLE_FORMATS and not tags.duration:
            reason = "no audio could be decoded (empty or truncated)"
            return ReadOutcome(item, "failed", content_hash, reason=reason)
        if waveform.problem:
            notes.append(waveform.problem)
        return ReadOutcome(
            item, "record", content_hash, tags=tags, peaks=waveform.peaks, notes=notes
        )
