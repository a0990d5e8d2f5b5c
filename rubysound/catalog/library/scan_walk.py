"""The first two steps of a scan: walk the folders, then compare with the catalog.

The walk notes every audio file with its size and mtime (nothing is opened) and the
folder images beside them; the comparison sorts the files into unchanged, changed and new
with one query per target, and names the tracks whose file was not found (*missing*).
"""

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rubysound.catalog.library.artwork import FOLDER_COVER_NAMES, find_folder_cover
from rubysound.catalog.library.scan_report import ScanIssue, ScanSummary, os_reason
from rubysound.catalog.library.scan_targets import ScanTarget
from rubysound.catalog.library.tags import AUDIO_EXTENSIONS
from rubysound.catalog.models import Track

QUERY_CHUNK = 500  # ids per "IN (...)" query
_FOLDER_COVER_LOWER = frozenset(FOLDER_COVER_NAMES)
LYRICS_EXTENSION = ".lrc"


@dataclass
class FoundFile:
    root: Path
    rel: str
    path: Path
    size: int
    mtime: float
    folder: str  # rel of the containing folder


def _with_lyrics_mtimes(files: list[FoundFile], first: int, mtimes: dict[str, float]) -> None:
    """An audio file with an ``.lrc`` beside it counts as changed when either changes: its
    mtime becomes the later of the two, so editing, adding or removing the lyrics file gets
    the audio file read again."""
    for found in files[first:]:
        lyrics_mtime = mtimes.get(found.path.stem)
        if lyrics_mtime is not None:
            found.mtime = max(found.mtime, lyrics_mtime)


@dataclass
class FileToRead:
    found: FoundFile
    track_id: int | None  # known row (changed file), None for a new file


@dataclass
class Walk:
    files: list[FoundFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # folders that could not be listed
    covers: dict[str, Path] = field(default_factory=dict)  # folder rel -> folder image
    # Albums of already known tracks in folders that hold an image: folder rel -> album ids.
    folder_albums: dict[str, set[int]] = field(default_factory=dict)


# --- Step 1: walk ----------------------------------------------------------------------------


def walk_target(target: ScanTarget, summary: ScanSummary) -> Walk:
    """The audio files and folder images of ``target`` (symlinks followed, loops refused)."""
    walk = Walk()
    root = target.root
    start = root / target.scope if target.scope else root
    if target.is_file:
        try:
            st = os.stat(start)
        except OSError as exc:
            summary.failed.append(ScanIssue(str(start), os_reason(exc)))
            return walk
        if stat.S_ISREG(st.st_mode):
            folder = target.scope.rpartition("/")[0]
            walk.files.append(FoundFile(root, target.scope, start, st.st_size, st.st_mtime, folder))
            cover = find_folder_cover(start.parent)
            if cover is not None:
                walk.covers[folder] = cover
        else:
            summary.failed.append(ScanIssue(str(start), "not a regular file"))
        return walk

    try:
        st = os.stat(start)
    except OSError as exc:
        summary.failed.append(ScanIssue(str(start), os_reason(exc)))
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
                ScanIssue(str(directory), f"{os_reason(exc)}: folder skipped, its files kept")
            )
            walk.unreadable.append(prefix)
            continue
        subfolders = []
        images = []
        first_file = len(walk.files)
        lyrics_mtimes: dict[str, float] = {}
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
                    FoundFile(root, rel, Path(entry.path), st.st_size, st.st_mtime, prefix)
                )
            elif extension == LYRICS_EXTENSION:
                # An audio file's lyrics, read with it (``lyrics.lrc_beside``).
                lyrics_mtimes[os.path.splitext(name)[0]] = st.st_mtime
            else:
                summary.ignored += 1
                if name.lower() in _FOLDER_COVER_LOWER:
                    images.append(name)
        if lyrics_mtimes:
            _with_lyrics_mtimes(walk.files, first_file, lyrics_mtimes)
        if images:
            cover = find_folder_cover(Path(directory), images)
            if cover is not None:
                walk.covers[prefix] = cover
        stack.extend(reversed(subfolders))
    return walk


def _symlink_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink: its target does not exist"
    return os_reason(exc)


# --- Step 2: compare -------------------------------------------------------------------------


def compare_with_catalog(
    target: ScanTarget,
    walk: Walk,
    summary: ScanSummary,
    work: list[FileToRead],
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
            work.append(FileToRead(found, None))
            continue
        track_id, size, mtime = known_file
        if not force and size == found.size and mtime == found.mtime:
            summary.unchanged += 1
        else:
            work.append(FileToRead(found, track_id))

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


def load_hashes(track_ids: list[int]) -> dict[int, str]:
    """The stored content hashes of these tracks, by id."""
    hashes: dict[int, str] = {}
    for start in range(0, len(track_ids), QUERY_CHUNK):
        chunk = track_ids[start : start + QUERY_CHUNK]
        hashes.update(
            Track.objects.filter(pk__in=chunk).order_by().values_list("id", "content_hash")
        )
    return hashes
