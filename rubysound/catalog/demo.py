"""The demo library: real, tagged audio files synthesised from a seed, and demo listening.

``generate_demo_library(root, seed=...)`` writes a small library of invented artists and
albums (FLAC, Ogg Vorbis and MP3, short synthesised pieces whose sound follows the genre),
with full tags and cover art, embedded in some albums and as a folder image in others. The
same seed always gives byte-identical files, so tests, the demo and the benchmark share one
generator. It only writes files; the ``demo_library`` command then scans them and adds demo
listeners with plausible listening activity so charts have something to show.

This module imports Django lazily (inside the functions that need the database), so worker
processes that only synthesise audio start fast.
"""

import base64
import colorsys
import functools
import hashlib
import io
import json
import math
import multiprocessing
import os
import random
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK
from mutagen.ogg import OggPage
from mutagen.oggvorbis import OggVorbis
from PIL import Image, ImageDraw, ImageFont

MANIFEST_NAME = ".rubysound-demo.json"
MANIFEST_VERSION = 1
DEMO_FOLDER_NAME = "RubySound Demo"
SAMPLE_RATE = 32000  # mono, 16 kHz of bandwidth: plenty for a demo, quick to encode
GENRES = ("Rock", "Pop", "Hip-Hop", "Electronic", "Jazz", "Metal", "Indie", "Classical")
FORMATS = ("flac", "ogg", "mp3")
FOLDER_IMAGES = ("cover.jpg", "folder.jpg", "front.png")
# Fixed Ogg stream serial: libsndfile picks a random one, which would make files differ.
_OGG_SERIAL = 0x52_53_44_4D
DEMO_LISTENERS = (
    "demo_ana",
    "demo_ben",
    "demo_chloe",
    "demo_dev",
    "demo_emi",
    "demo_finn",
    "demo_gus",
    "demo_hana",
    "demo_ivo",
    "demo_juno",
)
LISTEN_DAYS = 56


# --- Plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTrack:
    path: str  # relative to the demo root, POSIX
    title: str
    artist: str
    album: str
    genre: str
    year: int
    track_number: int
    track_total: int
    disc_number: int
    format: str
    seconds: float
    cover: str  # "embedded", a folder image name, or ""
    seed: int


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


_FIRST = [
    "Mara", "Jonas", "Chloé", "Björn", "Inés", "Theo", "Nadia", "Felix", "Zoë", "Ravi",
    "Sigrún", "Luca", "Amara", "Otto", "Léa", "Kenji", "Elena", "Tomás", "Ingrid", "Yusuf",
]  # fmt: skip
_LAST = [
    "Kestrel", "Whitfield", "Marchand", "Ålund", "Calderón", "Okafor", "Varga", "Lindqvist",
    "Moreau", "Hollis", "Brandt", "Nakamura", "Sørensen", "Abernathy", "Duarte", "Halloran",
]  # fmt: skip
_ADJECTIVES = [
    "Velvet", "Paper", "Neon", "Hollow", "Silver", "Electric", "Quiet", "Golden", "Broken",
    "Midnight", "Copper", "Static", "Crimson", "Wild", "Lunar", "Glass", "Northern", "Amber",
]  # fmt: skip
_NOUNS = [
    "Lanterns", "Comets", "Harbors", "Orchards", "Foxes", "Satellites", "Tides", "Engines",
    "Sparrows", "Ghosts", "Parades", "Wolves", "Circuits", "Lights", "Rivers", "Kites",
]  # fmt: skip
_SINGULAR = [
    "Bloom", "Signal", "Drift", "Prism", "Pulse", "Mirage", "Vector", "Horizon", "Cascade",
    "Tangent", "Aurora", "Echo",
]  # fmt: skip
_MC = ["MC", "Lil", "Kid", "DJ", "Young", "Big"]
_MC_NAMES = ["Lumen", "Parallax", "Quasar", "Nova", "Cipher", "Halo", "Verse", "Atlas", "Rhyme"]
_METAL_A = ["Iron", "Ashen", "Obsidian", "Grave", "Storm", "Black", "Frost", "Rust", "Bone"]
_METAL_B = ["Verdict", "Throne", "Covenant", "Monolith", "Reaper", "Eclipse", "Furnace", "Oath"]
_ENSEMBLES = ["Trio", "Quartet", "Quintet", "Ensemble"]
_CITIES = ["Lyra", "Halden", "Vienne", "Aurin", "Castellón", "Bergen", "Lucerne"]
_ALBUM_A = [
    "Midnight", "Low Tide", "Paper", "Northern", "Electric", "Slow", "Hidden", "Summer",
    "Glass", "Secret", "Distant", "Velvet", "Broken", "Golden", "Silent", "Neon", "Late",
]  # fmt: skip
_ALBUM_B = [
    "Cartography", "Signals", "Gardens", "Weather", "Frequencies", "Rooms", "Letters",
    "Horizons", "Echoes", "Machines", "Motels", "Rivers", "Stories", "Ceremonies", "Maps",
]  # fmt: skip
_TRACK_A = [
    "Running on", "Paper", "Golden", "Under the", "Ghost of", "Neon", "All the", "Lights of",
    "Letters to", "Slow", "Falling", "Midnight", "Tell Me", "Across the", "Last", "Little",
    "Dancing in", "Waiting for", "Somewhere in", "Hello",
]  # fmt: skip
_TRACK_B = [
    "Static", "Moons", "Hour", "Water", "the City", "Summer", "Glass", "Satellites", "Home",
    "December", "Rain", "Fire", "Stars", "the Ocean", "Heartbeat", "Tomorrow", "Gold",
    "Wires", "Strangers", "Paris",
]  # fmt: skip
_MOVEMENTS = [
    "Allegro", "Adagio", "Andante", "Scherzo", "Presto", "Largo", "Menuetto", "Rondo",
    "Intermezzo", "Nocturne", "Romanza", "Finale",
]  # fmt: skip
_KEYS = ["C major", "D minor", "E-flat major", "F minor", "G major", "A minor", "B-flat major"]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def _fold(text: str) -> str:
    from .text import fold  # pure Python, no Django: safe in worker processes

    return fold(text)


def _artist_name(rng: random.Random, genre: str) -> str:
    if genre == "Rock":
        return f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    if genre == "Pop":
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    if genre == "Hip-Hop":
        return f"{rng.choice(_MC)} {rng.choice(_MC_NAMES)}"
    if genre == "Electronic":
        return f"{rng.choice(_ADJECTIVES)} {rng.choice(_SINGULAR)}"
    if genre == "Jazz":
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {rng.choice(_ENSEMBLES)}"
    if genre == "Metal":
        return f"{rng.choice(_METAL_A)} {rng.choice(_METAL_B)}"
    if genre == "Indie":
        return rng.choice([f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}", rng.choice(_NOUNS)])
    return rng.choice(
        [
            f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            f"Orchestre de {rng.choice(_CITIES)}",
            f"The {rng.choice(_LAST)} String Quartet",
        ]
    )


def _album_title(rng: random.Random, genre: str, index: int) -> str:
    if genre == "Classical":
        return rng.choice(
            [
                f"Sonatas in {rng.choice(_KEYS)}",
                f"Nocturnes and Preludes, Book {index + 1}",
                f"Symphony No. {rng.randint(1, 9)} in {rng.choice(_KEYS)}",
            ]
        )
    return f"{rng.choice(_ALBUM_A)} {rng.choice(_ALBUM_B)}"


def _track_title(rng: random.Random, genre: str, number: int) -> str:
    if genre == "Classical":
        return f"{_ROMAN[(number - 1) % len(_ROMAN)]}. {rng.choice(_MOVEMENTS)}"
    return f"{rng.choice(_TRACK_A)} {rng.choice(_TRACK_B)}"


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "-", text).strip(" .") or "untitled"


def plan_demo_library(
    *,
    seed: int,
    artists: int,
    albums_per_artist: int,
    tracks_per_album: int,
    min_seconds: float,
    max_seconds: float,
) -> tuple[list[str], list[DemoTrack]]:
    """Names, tags and file layout of a demo library: deterministic from ``seed``.

    Albums alternate FLAC, Ogg Vorbis and MP3 and alternate embedded art and a folder image.
    With 4 or more tracks per album, album lengths vary around the given number (+1, -1)
    the way real albums do; 12 x 2 x 6 gives 150 tracks.
    """
    rng = random.Random(f"rubysound-demo-{seed}")  # noqa: S311 - reproducible demo data
    genre_order = list(GENRES)
    rng.shuffle(genre_order)
    names: list[str] = []
    genres: list[str] = []
    taken: set[str] = set()
    for index in range(artists):
        genre = genre_order[index % len(genre_order)]
        for _ in range(100):
            name = _artist_name(rng, genre)
            if _fold(name) not in taken:
                break
        else:
            name = f"{name} {index + 1}"
        taken.add(_fold(name))
        names.append(name)
        genres.append(genre)

    tracks: list[DemoTrack] = []
    album_index = 0
    for artist, genre in zip(names, genres, strict=True):
        year = rng.randint(1994, 2019)
        album_titles: set[str] = set()
        for number in range(albums_per_artist):
            title = _album_title(rng, genre, number)
            while _fold(title) in album_titles:
                title = f"{title} II"
            album_titles.add(_fold(title))
            count = tracks_per_album
            if tracks_per_album >= 4:
                count += (0, 1, -1, 1)[album_index % 4]
            audio_format = FORMATS[album_index % len(FORMATS)]
            cover = (
                "embedded"
                if album_index % 2 == 0
                else FOLDER_IMAGES[(album_index // 2) % len(FOLDER_IMAGES)]
            )
            folder = f"{_safe_name(artist)}/{year} - {_safe_name(title)}"
            used: set[str] = set()
            for track_number in range(1, count + 1):
                track_title = _track_title(rng, genre, track_number)
                while _fold(track_title) in used:
                    track_title = f"{track_title} (Reprise)"
                used.add(_fold(track_title))
                seconds = round(rng.uniform(min_seconds, max_seconds), 2)
                filename = f"{track_number:02d} - {_safe_name(track_title)}.{audio_format}"
                tracks.append(
                    DemoTrack(
                        path=f"{folder}/{filename}",
                        title=track_title,
                        artist=artist,
                        album=title,
                        genre=genre,
                        year=year,
                        track_number=track_number,
                        track_total=count,
                        disc_number=1,
                        format=audio_format,
                        seconds=seconds,
                        cover=cover,
                        seed=rng.getrandbits(32),
                    )
                )
            album_index += 1
            year = min(year + rng.randint(1, 4), 2025)
    return names, tracks


# --- Generate --------------------------------------------------------------------------------


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

    covers = _plan_covers(tracks)
    wanted = {t.path for t in tracks} | set(covers)
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
    summary.kept = len(tracks) + len(covers) - len(todo_tracks) - len(todo_covers)

    if on_progress and len(tracks) > len(todo_tracks):
        on_progress(len(tracks) - len(todo_tracks))
    if todo_tracks or todo_covers:
        _write_manifest(root, params, {})  # an interrupted run is not mistaken for complete
        needed = set(todo_covers.values()) | {
            (t.artist, t.album, t.genre) for t in todo_tracks if t.cover == "embedded"
        }
        art = {key: _cover_image(*key) for key in needed}
        for rel, key in todo_covers.items():
            image = art[key]
            if rel.lower().endswith(".png"):
                image = _png_from_jpeg(image)
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


def _plan_covers(tracks: list[DemoTrack]) -> dict[str, tuple[str, str, str]]:
    """Folder images to write: relative path -> (artist, album, genre)."""
    covers = {}
    for track in tracks:
        if track.cover and track.cover != "embedded":
            folder = track.path.rpartition("/")[0]
            covers[f"{folder}/{track.cover}"] = (track.artist, track.album, track.genre)
    return covers


def _render_job(job: tuple[str, DemoTrack, bytes | None]) -> str:
    root, track, embedded_cover = job
    target = Path(root) / track.path
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.part")
    samples = synthesise(track.genre, track.seconds, track.seed)
    write_tagged_audio(scratch, samples, track, embedded_cover)
    os.replace(scratch, target)
    return track.path


# --- Encoding and tags -----------------------------------------------------------------------


def write_tagged_audio(
    path: Path, samples: np.ndarray, track: DemoTrack, cover: bytes | None = None
) -> None:
    """Encodes ``samples`` as ``track.format`` at ``path`` and writes the track's tags."""
    if track.format == "flac":
        sf.write(path, samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
        audio = FLAC(path)
        _vorbis_comments(audio, track)
        if cover:
            audio.add_picture(_flac_picture(cover))
        audio.save()
    elif track.format == "ogg":
        sf.write(path, samples, SAMPLE_RATE, format="OGG", subtype="VORBIS")
        _fix_ogg_serial(path)
        audio = OggVorbis(path)
        _vorbis_comments(audio, track)
        if cover:
            encoded = base64.b64encode(_flac_picture(cover).write()).decode("ascii")
            audio["metadata_block_picture"] = [encoded]
        audio.save()
    elif track.format == "mp3":
        sf.write(path, samples, SAMPLE_RATE, format="MP3", subtype="MPEG_LAYER_III")
        tags = ID3()
        tags.add(TIT2(encoding=3, text=track.title))
        tags.add(TPE1(encoding=3, text=track.artist))
        tags.add(TPE2(encoding=3, text=track.artist))
        tags.add(TALB(encoding=3, text=track.album))
        tags.add(TCON(encoding=3, text=track.genre))
        tags.add(TRCK(encoding=3, text=f"{track.track_number}/{track.track_total}"))
        tags.add(TPOS(encoding=3, text=str(track.disc_number)))
        tags.add(TDRC(encoding=3, text=str(track.year)))
        if cover:
            tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
        tags.save(path)
    else:
        raise ValueError(f"unsupported demo format {track.format!r}")


def _vorbis_comments(audio, track: DemoTrack) -> None:
    audio["title"] = track.title
    audio["artist"] = track.artist
    audio["albumartist"] = track.artist
    audio["album"] = track.album
    audio["genre"] = track.genre
    audio["tracknumber"] = str(track.track_number)
    audio["tracktotal"] = str(track.track_total)
    audio["discnumber"] = str(track.disc_number)
    audio["date"] = str(track.year)


def _flac_picture(data: bytes) -> Picture:
    picture = Picture()
    picture.type = 3
    picture.mime = "image/jpeg"
    picture.desc = "Cover"
    picture.data = data
    with Image.open(io.BytesIO(data)) as image:
        picture.width, picture.height = image.size
    picture.depth = 24
    return picture


def _fix_ogg_serial(path: Path) -> None:
    """Rewrites the Ogg pages with a fixed stream serial, so the file is reproducible."""
    pages = []
    with open(path, "rb") as handle:
        while True:
            try:
                pages.append(OggPage(handle))
            except EOFError:
                break
    output = io.BytesIO()
    for page in pages:
        page.serial = _OGG_SERIAL
        output.write(page.write())
    path.write_bytes(output.getvalue())


# --- Cover art -------------------------------------------------------------------------------

_GENRE_HUES = {
    "Rock": 0.02,
    "Pop": 0.9,
    "Hip-Hop": 0.12,
    "Electronic": 0.55,
    "Jazz": 0.08,
    "Metal": 0.0,
    "Indie": 0.33,
    "Classical": 0.62,
}


def _cover_image(artist: str, album: str, genre: str, size: int = 500) -> bytes:
    """A deterministic album cover: gradient, shapes and the album title, as JPEG."""
    digest = hashlib.sha256(f"{artist}/{album}".encode()).digest()
    rng = random.Random(digest)  # noqa: S311 - reproducible demo art
    hue = (_GENRE_HUES.get(genre, 0.5) + rng.uniform(-0.06, 0.06)) % 1.0
    dark = genre in {"Metal", "Hip-Hop", "Electronic"}
    top = colorsys.hsv_to_rgb(hue, 0.65, 0.35 if dark else 0.85)
    bottom = colorsys.hsv_to_rgb((hue + 0.12) % 1.0, 0.8, 0.12 if dark else 0.45)
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    gradient = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp) * 255
    pixels = np.broadcast_to(gradient, (size, size, 3)).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    accent = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.5, 1.0))
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(0, size), rng.randint(0, size)
        radius = rng.randint(size // 12, size // 3)
        shape = rng.choice(["circle", "ring", "bar"])
        fill = (*accent, rng.randint(40, 140))
        if shape == "circle":
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        elif shape == "ring":
            box = (x - radius, y - radius, x + radius, y + radius)
            draw.ellipse(box, outline=fill, width=max(3, radius // 8))
        else:
            draw.rectangle((0, y, size, y + radius // 4), fill=fill)
    title_font = ImageFont.load_default(size=size // 13)
    small_font = ImageFont.load_default(size=size // 22)
    margin = size // 14
    draw.text((margin, size - margin * 3.2), album, font=title_font, fill=(255, 255, 255, 235))
    draw.text((margin, size - margin * 1.7), artist.upper(), font=small_font, fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def _png_from_jpeg(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        output = io.BytesIO()
        image.save(output, format="PNG", optimize=True)
        return output.getvalue()


# --- Synthesis -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    bpm: tuple[int, int]
    minor: bool
    progression: tuple[int, ...]  # scale degrees (0-based) of one chord per bar
    drums: str  # "backbeat", "four", "boombap", "swing", "double", "light", "none"
    lead: str  # "square", "saw", "sine", "pluck", "strings", "keys"
    chords: str  # "power", "triad", "seventh", "arp", "pad"
    drive: float  # distortion amount (0 = clean)
    swing: float = 0.0


_STYLES = {
    "Rock": _Style((112, 138), True, (0, 5, 2, 6), "backbeat", "saw", "power", 3.0),
    "Pop": _Style((98, 122), False, (0, 4, 5, 3), "backbeat", "square", "triad", 0.0),
    "Hip-Hop": _Style((84, 96), True, (0, 0, 5, 4), "boombap", "keys", "seventh", 0.0, 0.12),
    "Electronic": _Style((122, 130), True, (0, 5, 3, 6), "four", "saw", "arp", 0.6),
    "Jazz": _Style((120, 168), False, (1, 4, 0, 5), "swing", "keys", "seventh", 0.0, 0.16),
    "Metal": _Style((150, 188), True, (0, 0, 6, 5), "double", "saw", "power", 8.0),
    "Indie": _Style((100, 128), False, (0, 3, 5, 4), "light", "pluck", "arp", 0.8),
    "Classical": _Style((66, 96), False, (0, 3, 4, 0), "none", "strings", "pad", 0.0),
}
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


def synthesise(genre: str, seconds: float, seed: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A short piece of music (mono float32, -1..1) in the manner of ``genre``.

    Chords over a four-bar progression, a bass line, a melody on the scale and a drum
    pattern per genre, with sections (intro, verse, chorus, break, outro) whose loudness
    differs, so the waveform has a shape.
    """
    style = _STYLES.get(genre, _STYLES["Pop"])
    rng = np.random.default_rng(seed)
    total = max(1, int(seconds * sample_rate))
    out = np.zeros(total + sample_rate, dtype=np.float32)  # tail room for ringing notes
    bpm = int(rng.integers(style.bpm[0], style.bpm[1] + 1))
    beat = 60.0 / bpm
    bar = 4 * beat
    bars = max(1, math.ceil(seconds / bar))
    key = int(rng.integers(40, 48))  # MIDI root, E2..B2
    scale = _MINOR if style.minor else _MAJOR
    section_gain = _sections(bars, rng)
    drums = _DrumKit(sample_rate, rng)

    def place(signal: np.ndarray, at: float, gain: float) -> None:
        start = int(at * sample_rate)
        if start >= total or gain <= 0:
            return
        end = min(start + len(signal), len(out))
        out[start:end] += signal[: end - start] * gain

    motif = [int(rng.integers(0, 8)) for _ in range(8)]
    for index in range(bars):
        at = index * bar
        gain = section_gain[index]
        degree = style.progression[index % len(style.progression)]
        root = key + _degree(scale, degree)
        chord = [
            root + _degree(scale, degree + step) - _degree(scale, degree) for step in (0, 2, 4)
        ]
        if style.chords == "seventh":
            chord.append(root + _degree(scale, degree + 6) - _degree(scale, degree))
        _chords(place, style, chord, at, beat, bar, gain, sample_rate, rng)
        _bass(place, style, root, chord, at, beat, gain, sample_rate, rng)
        if gain >= 0.6 or style.drums == "none":
            _melody(place, style, key, scale, motif, index, at, beat, gain, sample_rate, rng)
        _drum_bar(place, style, drums, at, beat, gain, index, rng)

    signal = out[:total]
    if style.drive:
        signal = np.tanh(signal * (1 + style.drive)) / np.tanh(1 + style.drive)
    fade = min(total, int(0.02 * sample_rate))
    signal[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)
    tail = min(total, int(1.5 * sample_rate))
    signal[-tail:] *= np.linspace(1, 0, tail, dtype=np.float32)
    peak = float(np.max(np.abs(signal))) or 1.0
    return (signal / peak * 0.89).astype(np.float32)


def _degree(scale: tuple[int, ...], degree: int) -> int:
    octave, index = divmod(degree, len(scale))
    return 12 * octave + scale[index]


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _sections(bars: int, rng: np.random.Generator) -> list[float]:
    """Loudness per bar: intro, verse, chorus, a break, chorus again, outro."""
    gains = []
    for index in range(bars):
        position = index / max(1, bars - 1)
        if index == 0 and bars > 3:
            gain = 0.35
        elif 0.45 <= position < 0.6 and bars > 6:
            gain = 0.3  # break
        elif (0.25 <= position < 0.45) or (0.6 <= position < 0.9):
            gain = 1.0  # chorus
        else:
            gain = 0.65  # verse, outro
        gains.append(gain * float(rng.uniform(0.9, 1.0)))
    return gains


def _tone(freq: float, seconds: float, sample_rate: int, kind: str) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate), dtype=np.float32) / sample_rate
    phase = 2 * np.pi * freq * t
    if kind == "sine":
        wave = np.sin(phase)
    elif kind == "square":
        wave = np.tanh(4 * np.sin(phase)) * 0.6
    elif kind == "saw":
        wave = sum(np.sin(k * phase) / k for k in range(1, 7)) * 0.55
    elif kind == "pluck":
        wave = sum(np.sin(k * phase) * np.exp(-t * 3 * k) / k for k in range(1, 6))
    elif kind == "keys":
        wave = np.sin(phase) + 0.4 * np.sin(2 * phase) + 0.15 * np.sin(3 * phase)
    elif kind == "strings":
        vibrato = 0.004 * np.sin(2 * np.pi * 5.5 * t)
        wave = sum(np.sin(k * phase * (1 + vibrato)) / (k * k) for k in range(1, 5))
    else:
        wave = np.sin(phase)
    return wave.astype(np.float32)


def _envelope(length: int, sample_rate: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(length, dtype=np.float32) / sample_rate
    rise = np.clip(t / max(attack, 1e-4), 0, 1)
    return rise * np.exp(-t / max(decay, 1e-3))


@functools.lru_cache(maxsize=256)
def _note(midi: float, seconds: float, sample_rate: int, kind: str, attack: float, decay: float):
    """One enveloped note; cached, as a piece repeats the same notes many times (read-only)."""
    wave = _tone(_hz(midi), seconds, sample_rate, kind)
    note = wave * _envelope(len(wave), sample_rate, attack, decay)
    note.flags.writeable = False
    return note


def _chords(place, style, chord, at, beat, bar, gain, sample_rate, rng) -> None:
    voiced = [note + 12 for note in chord]
    if style.chords == "power":
        notes = [voiced[0], voiced[0] + 7, voiced[0] + 12]
        for step in range(8):
            if rng.random() < 0.85:
                for note in notes:
                    place(
                        _note(note, beat, sample_rate, "saw", 0.005, beat),
                        at + step * beat / 2,
                        0.09 * gain,
                    )
    elif style.chords == "arp":
        pattern = [*voiced, voiced[1] + 12]
        for step in range(16):
            note = pattern[step % len(pattern)] + 12
            place(
                _note(note, beat / 2, sample_rate, style.lead, 0.003, beat / 3),
                at + step * beat / 4,
                0.12 * gain,
            )
    elif style.chords == "pad":
        for note in voiced:
            place(
                _note(note, bar * 1.1, sample_rate, "strings", bar / 3, bar * 1.5), at, 0.13 * gain
            )
        for step in range(8):  # a piano-like arpeggio above the strings
            note = voiced[step % len(voiced)] + 12
            place(
                _note(note, beat * 1.5, sample_rate, "keys", 0.002, beat / 1.5),
                at + step * beat / 2,
                0.12 * gain,
            )
    else:  # triads and sevenths: comping hits on the beat (jazz: on and off the beat)
        hits = [0, 1.5, 2, 3.5] if style.swing else [0, 1, 2, 3]
        for hit in hits:
            for note in voiced:
                place(
                    _note(note, beat * 0.9, sample_rate, "keys", 0.004, beat / 2),
                    at + hit * beat,
                    0.08 * gain,
                )


def _bass(place, style, root, chord, at, beat, gain, sample_rate, rng) -> None:
    if style.drums == "none":
        place(_note(root - 12, beat * 4, sample_rate, "sine", 0.2, beat * 3), at, 0.25 * gain)
        return
    if style.drums == "swing":  # walking bass: a chord tone or passing note every beat
        for step in range(4):
            note = chord[int(rng.integers(0, len(chord)))] - 12 + int(rng.choice([0, 0, 2, -1]))
            place(
                _note(note, beat, sample_rate, "sine", 0.01, beat / 1.5),
                at + step * beat,
                0.35 * gain,
            )
        return
    steps = 8 if style.drums in {"four", "double", "backbeat"} else 4
    for step in range(steps):
        if style.drums == "boombap" and step in (1, 3) and rng.random() < 0.6:
            continue
        note = root - 12 + (12 if style.drums == "four" and step % 2 else 0)
        kind = "sine" if style.drums == "boombap" else "saw"
        length = 4 * beat / steps
        place(_note(note, length, sample_rate, kind, 0.005, length), at + step * length, 0.3 * gain)


def _melody(place, style, key, scale, motif, bar_index, at, beat, gain, sample_rate, rng) -> None:
    repeat = bar_index % 4 < 2  # the first half of each phrase repeats the motif
    position = 0.0
    index = 0
    while position < 4 - 1e-6:
        length = (
            float(rng.choice([0.5, 0.5, 1.0, 1.0, 1.5])) if not repeat else 0.5 + (index % 2) * 0.5
        )
        length = min(length, 4 - position)
        degree = motif[index % len(motif)] if repeat else int(rng.integers(0, 9))
        if rng.random() < 0.85:
            note = key + 24 + _degree(scale, degree)
            offset = style.swing * beat if style.swing and (position % 1) == 0.5 else 0.0
            seconds = length * beat
            place(
                _note(note, seconds * 1.2, sample_rate, style.lead, 0.01, seconds * 0.8),
                at + position * beat + offset,
                0.16 * gain,
            )
        position += length
        index += 1


class _DrumKit:
    def __init__(self, sample_rate: int, rng: np.random.Generator):
        t = np.arange(int(0.35 * sample_rate), dtype=np.float32) / sample_rate
        sweep = 2 * np.pi * (50 * t + 90 * (1 - np.exp(-t * 25)) / 25)
        self.kick = (np.sin(sweep) * np.exp(-t * 9)).astype(np.float32)
        noise = rng.uniform(-1, 1, len(t)).astype(np.float32)
        self.snare = (
            noise * np.exp(-t * 18) * 0.7 + np.sin(2 * np.pi * 185 * t) * np.exp(-t * 25) * 0.5
        ).astype(np.float32)
        bright = np.diff(noise, prepend=0.0).astype(np.float32)
        self.hat = (bright * np.exp(-t * 70) * 0.35).astype(np.float32)
        self.ride = (bright * np.exp(-t * 12) * 0.18).astype(np.float32)


def _drum_bar(place, style, kit: _DrumKit, at, beat, gain, bar_index, rng) -> None:
    if style.drums == "none" or gain < 0.34:
        return
    eighth = beat / 2
    if style.drums == "four":
        for step in range(4):
            place(kit.kick, at + step * beat, 0.9 * gain)
            place(kit.hat, at + step * beat + eighth, 0.8 * gain)
        place(kit.snare, at + beat, 0.5 * gain)
        place(kit.snare, at + 3 * beat, 0.5 * gain)
    elif style.drums == "double":
        for step in range(16):
            place(kit.kick, at + step * beat / 4, 0.6 * gain)
        for step in (1, 3):
            place(kit.snare, at + step * beat, 0.9 * gain)
        for step in range(8):
            place(kit.hat, at + step * eighth, 0.6 * gain)
    elif style.drums == "boombap":
        for hit in (0, 1.75, 2.5):
            place(kit.kick, at + hit * beat, 1.0 * gain)
        for hit in (1, 3):
            place(kit.snare, at + hit * beat, 0.9 * gain)
        for step in range(8):
            swing = style.swing * beat if step % 2 else 0.0
            place(kit.hat, at + step * eighth + swing, 0.5 * gain)
    elif style.drums == "swing":
        for step in range(4):
            place(kit.ride, at + step * beat, 0.8 * gain)
            if step % 2:
                place(kit.ride, at + step * beat + beat * (2 / 3), 0.5 * gain)
        place(kit.kick, at, 0.35 * gain)
        if rng.random() < 0.5:
            place(kit.snare, at + 3.66 * beat, 0.25 * gain)
    else:  # backbeat and light
        light = style.drums == "light"
        for hit in (0, 2) if not light else (0, 2.5):
            place(kit.kick, at + hit * beat, (0.6 if light else 0.95) * gain)
        for hit in (1, 3):
            place(kit.snare, at + hit * beat, (0.45 if light else 0.85) * gain)
        for step in range(8):
            place(kit.hat, at + step * eighth, 0.5 * gain)
        if bar_index % 4 == 3:  # a fill into the next phrase
            for step in range(4):
                place(kit.snare, at + 3 * beat + step * beat / 4, 0.4 * gain)


# --- Demo listeners and listens ------------------------------------------------------------


@dataclass
class ActivitySummary:
    listeners: int = 0
    listeners_created: int = 0
    listens: int = 0
    created: int = 0
    removed: int = 0
    tracks: int = 0


def ensure_demo_listeners(usernames: tuple[str, ...] = DEMO_LISTENERS) -> tuple[list, int]:
    """The demo listener accounts (created with unusable passwords when missing)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users, created = [], 0
    for username in usernames:
        user = user_model.objects.filter(username__iexact=username).first()
        if user is None:
            user = user_model(username=username, is_public_favorites=True)
            user.set_unusable_password()
            user.save()
            created += 1
        users.append(user)
    return users, created


def plan_demo_listens(
    track_ids: list[int],
    genres: list[str],
    user_ids: list[int],
    *,
    seed: int,
    anchor: datetime,
    days: int = LISTEN_DAYS,
) -> set[tuple[int, int, datetime]]:
    """Listening activity as (user id, track id, listened_at), deterministic from the seed.

    Track popularity falls off like a Zipf curve, each listener prefers two genres, and two
    little-played tracks rise sharply in the last seven days among several listeners, so
    "trending" has something real to find.
    """
    rng = random.Random(f"rubysound-listens-{seed}")  # noqa: S311 - reproducible demo data
    count = len(track_ids)
    if not count or not user_ids:
        return set()
    ranking = list(range(count))
    rng.shuffle(ranking)
    popularity = [0.0] * count
    for rank, index in enumerate(ranking):
        popularity[index] = 1.0 / (rank + 1) ** 0.9
    rising = ranking[count // 2 : count // 2 + 2] if count >= 4 else []
    rows: set[tuple[int, int, datetime]] = set()
    start = anchor - timedelta(days=days)
    genre_names = sorted(set(genres))

    def moment(day_from: float, day_to: float) -> datetime:
        day = rng.uniform(day_from, day_to)
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        stamp = start + timedelta(days=int(day), hours=hour, minutes=rng.randrange(60))
        stamp += timedelta(seconds=rng.randrange(60))
        return min(stamp, anchor - timedelta(seconds=1))

    for user_id in user_ids:
        liked = set(rng.sample(genre_names, k=min(2, len(genre_names))))
        weights = [
            popularity[i] * (4.0 if genres[i] in liked else 1.0) * (0.02 if i in rising else 1.0)
            for i in range(count)
        ]
        plays = int(rng.uniform(80, 320))
        for index in rng.choices(range(count), weights=weights, k=plays):
            # Activity grows a little towards the present: the platform is alive.
            day = days * math.sqrt(rng.random())
            rows.add((user_id, track_ids[index], moment(day, day)))
    listeners = list(user_ids)
    for index in rising:
        # Discovered by a couple of listeners the week before, then by most of them.
        for user_id in rng.sample(listeners, k=min(len(listeners), 2)):
            rows.add((user_id, track_ids[index], moment(days - 14, days - 7)))
        for user_id in rng.sample(listeners, k=min(len(listeners), 7)):
            for _ in range(rng.randint(2, 5)):
                rows.add((user_id, track_ids[index], moment(days - 7, days)))
    return rows


# Relative listening per hour of the day (UTC): quiet nights, busy evenings.
_HOUR_WEIGHTS = [
    1, 1, 0.5, 0.3, 0.2, 0.2, 0.5, 1.5, 2.5, 2, 1.5, 1.5,
    2, 2, 1.5, 1.5, 2, 2.5, 3, 3.5, 4, 3.5, 2.5, 1.5,
]  # fmt: skip


def seed_demo_activity(
    root: str, tracks: list[DemoTrack], *, prefix: str, seed: int, now: datetime | None = None
) -> ActivitySummary:
    """Demo listeners and their listens over the last weeks, for the scanned demo tracks.

    ``root``/``prefix`` say where the scanner stored the demo files (library root, and the
    demo folder inside it). Idempotent: the listens are computed from the seed and the day
    (listened_at ends at midnight UTC today), inserted with ignore_conflicts, and earlier
    demo listens that are no longer in the plan (from another day or seed) are removed.
    """
    from django.db import transaction
    from django.utils import timezone

    from .models import Listen, Track

    now = now or timezone.now()
    anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
    summary = ActivitySummary()
    paths = [f"{prefix}/{t.path}" if prefix else t.path for t in tracks]
    ids_by_path = dict(
        Track.objects.filter(source=Track.Source.LIBRARY, library_root=root, path__in=paths)
        .order_by()
        .values_list("path", "id")
    )
    found = [
        (ids_by_path[p], t.genre) for p, t in zip(paths, tracks, strict=True) if p in ids_by_path
    ]
    summary.tracks = len(found)
    with transaction.atomic():
        users, summary.listeners_created = ensure_demo_listeners()
        summary.listeners = len(users)
        user_ids = [user.pk for user in users]
        planned = plan_demo_listens(
            [track_id for track_id, _ in found],
            [genre for _, genre in found],
            user_ids,
            seed=seed,
            anchor=anchor,
        )
        existing = Listen.objects.filter(user_id__in=user_ids, source=Listen.Source.DEMO)
        stale = [
            pk
            for pk, user_id, track_id, at in existing.order_by().values_list(
                "pk", "user_id", "track_id", "listened_at"
            )
            if (user_id, track_id, at) not in planned
        ]
        for start in range(0, len(stale), 500):
            summary.removed += Listen.objects.filter(pk__in=stale[start : start + 500]).delete()[0]
        before = existing.count()
        Listen.objects.bulk_create(
            [
                Listen(
                    user_id=user_id, track_id=track_id, listened_at=at, source=Listen.Source.DEMO
                )
                for user_id, track_id, at in sorted(planned)
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        summary.listens = existing.count()
        summary.created = summary.listens - before
    return summary
