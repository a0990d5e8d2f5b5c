"""The demo library on disk: generating its files, and the manifest that says what it holds.

``generate_demo_library(root, seed=...)`` writes a small library of invented artists and
albums (FLAC, Ogg Vorbis and MP3, short synthesised pieces whose sound follows the genre),
with full tags and cover art, embedded in some albums and as a folder image in others. The
same seed always gives byte-identical files, so tests, the demo and the benchmark share one
generator. It only writes files; the ``demo_library`` command then scans them and adds demo
listeners with plausible listening activity (``activity``) so charts have something to show.

Django is imported lazily (inside the functions that need it), so worker processes that
only synthesise audio start fast.
"""

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .artwork import cover_image, png_from_jpeg, write_tags
from .plan import DemoTrack, plan_demo_library, planned_covers, planned_lyrics
from .synthesis import SAMPLE_RATE, encode_audio, synthesise

MANIFEST_NAME = ".rubysound-demo.json"
MANIFEST_VERSION = 1
DEMO_FOLDER_NAME = "RubySound Demo"


@dataclass
class DemoSummary:
    root: Path
    seed: int
    artists: list[str]
    albums: int
    tracks: list[DemoTrack]
    written: int = 0  # files (audio and images) written by this run
    kept: int = 0  # files already present and intact
    removed: int = 0  # files of an earlier, different demo removed
    seconds: float = 0.0

    @property
    def generated(self) -> bool:
        return self.written > 0 or self.removed > 0


def demo_root(library_dirs: list[Path] | None = None) -> Path:
    """The default place of the demo: ``<first library folder>/RubySound Demo``."""
    if library_dirs is None:
        from django.conf import settings

        library_dirs = settings.LIBRARY_DIRS
    return Path(library_dirs[0]) / DEMO_FOLDER_NAME


def generate_demo_library(
    root: Path,
    *,
    seed: int = 7,
    artists: int = 12,
    albums_per_artist: int = 2,
    tracks_per_album: int = 6,
    min_seconds: float = 10.0,
    max_seconds: float = 30.0,
    force: bool = False,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Writes (or checks) the demo library under ``root``; returns what it holds.

    Files already present with the size the manifest records are kept, so a second run is
    a few ``stat`` calls; ``force`` rewrites everything. Files of an earlier demo with other
    parameters (listed in its manifest) are removed; nothing else in ``root`` is touched.
    Each file is written under a hidden name and renamed into place, so a scan running at
    the same time never reads half a file. ``workers`` > 1 synthesises in processes.
    """
    started = time.monotonic()
    root = Path(root)
    params = {
        "seed": seed,
        "artists": artists,
        "albums_per_artist": albums_per_artist,
        "tracks_per_album": tracks_per_album,
        "min_seconds": min_seconds,
        "max_seconds": max_seconds,
        "sample_rate": SAMPLE_RATE,
    }
    names, tracks = plan_demo_library(
        seed=seed,
        artists=artists,
        albums_per_artist=albums_per_artist,
        tracks_per_album=tracks_per_album,
        min_seconds=min_seconds,
        max_seconds=max_seconds,
    )
    summary = DemoSummary(root, seed, names, len({(t.artist, t.album) for t in tracks}), tracks)
    root.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(root)
    valid = manifest is not None and manifest.get("version") == MANIFEST_VERSION
    recorded: dict[str, int] = manifest.get("files", {}) if valid else {}
    same_params = valid and manifest.get("params") == params and not force

    covers = planned_covers(tracks)
    lyrics = planned_lyrics(tracks)
    wanted = {t.path for t in tracks} | set(covers) | set(lyrics)
    # Files of an earlier demo (other parameters) that this plan does not have.
    for rel in sorted(set(recorded) - wanted):
        target = root / rel
        if target.is_file():
            target.unlink()
            summary.removed += 1
        _remove_empty_parents(target.parent, root)

    todo_tracks = [t for t in tracks if force or not _intact(root, t.path, recorded, same_params)]
    todo_covers = {
        rel: spec
        for rel, spec in covers.items()
        if force or not _intact(root, rel, recorded, same_params)
    }
    todo_lyrics = {
        rel: text
        for rel, text in lyrics.items()
        if force or not _intact(root, rel, recorded, same_params)
    }
    summary.kept = len(wanted) - len(todo_tracks) - len(todo_covers) - len(todo_lyrics)

    if on_progress and len(tracks) > len(todo_tracks):
        on_progress(len(tracks) - len(todo_tracks))
    for rel, text in todo_lyrics.items():
        _write_atomically(root / rel, text.encode())
        summary.written += 1
    if todo_tracks or todo_covers:
        _write_manifest(root, params, {})  # an interrupted run is not mistaken for complete
        needed = set(todo_covers.values()) | {
            (t.artist, t.album, t.genre) for t in todo_tracks if t.cover == "embedded"
        }
        art = {key: cover_image(*key) for key in needed}
        for rel, key in todo_covers.items():
            image = art[key]
            if rel.lower().endswith(".png"):
                image = png_from_jpeg(image)
            _write_atomically(root / rel, image)
            summary.written += 1
        jobs = [
            (
                str(root),
                track,
                art[(track.artist, track.album, track.genre)]
                if track.cover == "embedded"
                else None,
            )
            for track in todo_tracks
        ]
        if workers > 1 and len(jobs) > 4:
            context = multiprocessing.get_context(
                "fork" if "fork" in multiprocessing.get_all_start_methods() else None
            )
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                for _ in pool.map(_render_job, jobs, chunksize=2):
                    summary.written += 1
                    if on_progress:
                        on_progress(1)
        else:
            for job in jobs:
                _render_job(job)
                summary.written += 1
                if on_progress:
                    on_progress(1)

    sizes = {rel: (root / rel).stat().st_size for rel in sorted(wanted)}
    if summary.generated or not same_params or recorded != sizes:
        _write_manifest(root, params, sizes)
    summary.seconds = time.monotonic() - started
    return summary


def _intact(root: Path, rel: str, recorded: dict[str, int], same_params: bool) -> bool:
    if not same_params or rel not in recorded:
        return False
    try:
        return (root / rel).stat().st_size == recorded[rel]
    except OSError:
        return False


def _read_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None


def _write_manifest(root: Path, params: dict, files: dict[str, int]) -> None:
    data = {"version": MANIFEST_VERSION, "params": params, "files": files}
    _write_atomically(root / MANIFEST_NAME, json.dumps(data, indent=1, sort_keys=True).encode())


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.part")
    scratch.write_bytes(data)
    os.replace(scratch, target)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _render_job(job: tuple[str, DemoTrack, bytes | None]) -> str:
    root, track, embedded_cover = job
    target = Path(root) / track.path
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.part")
    encode_audio(scratch, synthesise(track.genre, track.seconds, track.seed), track.format)
    write_tags(scratch, track, embedded_cover)
    os.replace(scratch, target)
    return track.path
