"""Catalog fixtures: a tiny generated library, and real audio files of every format.

``tiny_library`` is the demo generator at its smallest (2 artists x 1 album x 3 tracks of
1-2 s), with ``settings.LIBRARY_DIRS`` pointing at it; ``scanned_library`` also runs the
real scanner over it. ``audio_file`` writes one real, tagged file of any supported format
(M4A included: a hand-built MP4 container, see ``build_m4a``).
"""

import base64
import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    TXXX,
    UFID,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import Image

from rubysound.demo.library import DemoSummary, generate_demo_library

TINY = {
    "seed": 7,
    "artists": 2,
    "albums_per_artist": 1,
    "tracks_per_album": 3,
    "min_seconds": 1.0,
    "max_seconds": 2.0,
}
SAMPLE_RATES = {"opus": 48000, "mp3": 16000}  # others: 8000 Hz keeps files tiny


@pytest.fixture
def library_root(tmp_path, settings) -> Path:
    """An empty library folder, the only one in settings.LIBRARY_DIRS."""
    root = (tmp_path / "library").resolve()
    root.mkdir()
    settings.LIBRARY_DIRS = [root]
    return root


@pytest.fixture
def tiny_library(tmp_path, settings) -> DemoSummary:
    """The demo generator at its smallest; settings.LIBRARY_DIRS points at its root."""
    root = (tmp_path / "library").resolve()
    summary = generate_demo_library(root, **TINY)
    settings.LIBRARY_DIRS = [root]
    return summary


@pytest.fixture
def scanned_library(tiny_library, db):
    """``tiny_library`` scanned into the catalog; returns the scan summary."""
    from rubysound.catalog.library.scanner import scan_library

    summary = scan_library()
    assert not summary.failed, summary.failed
    return summary


# --- Real audio files ------------------------------------------------------------------------


def jpeg_bytes(color: str = "crimson", size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def tone(seconds: float, sample_rate: int, *, loud_second_half: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = 0.5 * np.sin(2 * np.pi * 440 * t)
    if loud_second_half:
        signal[: len(signal) // 2] *= 0.1
    return signal.astype(np.float32)


def write_audio(
    path: Path,
    *,
    seconds: float = 1.0,
    tags: dict | None = None,
    cover: bytes | None = None,
    samples: np.ndarray | None = None,
    sample_rate: int | None = None,
) -> Path:
    """A real audio file of the format its suffix names, with ``tags`` written by mutagen.

    ``tags`` keys: title, artist, album, albumartist, genre (str or list), tracknumber,
    discnumber, date, musicbrainz_trackid, musicbrainz_artistid, musicbrainz_albumid.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lower().lstrip(".")
    tags = tags or {}
    rate = sample_rate or SAMPLE_RATES.get(fmt, 8000)
    if samples is None:
        samples = tone(seconds, rate)
    if fmt == "m4a":
        path.write_bytes(build_m4a(seconds=len(samples) / rate, sample_rate=rate))
        _tag_mp4(path, tags, cover)
        return path
    writers = {
        "flac": ("FLAC", "PCM_16"),
        "ogg": ("OGG", "VORBIS"),
        "opus": ("OGG", "OPUS"),
        "mp3": ("MP3", "MPEG_LAYER_III"),
        "wav": ("WAV", "PCM_16"),
    }
    container, subtype = writers[fmt]
    sf.write(path, samples, rate, format=container, subtype=subtype)
    if fmt in {"flac", "ogg", "opus"}:
        audio = {"flac": FLAC, "ogg": OggVorbis, "opus": OggOpus}[fmt](path)
        for key, value in tags.items():
            audio[key] = value if isinstance(value, list) else [str(value)]
        if cover:
            picture = Picture()
            picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
            if fmt == "flac":
                audio.add_picture(picture)
            else:
                audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode()]
        audio.save()
    else:
        id3 = _id3(tags, cover)
        if fmt == "wav":
            audio = WAVE(path)
            audio.add_tags()
            for frame in id3.values():
                audio.tags.add(frame)
            audio.save()
        else:
            id3.save(path)
    return path


def _id3(tags: dict, cover: bytes | None) -> ID3:
    frames = {
        "title": TIT2,
        "artist": TPE1,
        "album": TALB,
        "albumartist": TPE2,
        "genre": TCON,
        "tracknumber": TRCK,
        "discnumber": TPOS,
        "date": TDRC,
    }
    id3 = ID3()
    for key, value in tags.items():
        text = value if isinstance(value, list) else [str(value)]
        if key in frames:
            id3.add(frames[key](encoding=3, text=text))
        elif key == "musicbrainz_trackid":
            id3.add(UFID(owner="http://musicbrainz.org", data=str(value).encode()))
        elif key == "musicbrainz_artistid":
            id3.add(TXXX(encoding=3, desc="MusicBrainz Artist Id", text=text))
        elif key == "musicbrainz_albumid":
            id3.add(TXXX(encoding=3, desc="MusicBrainz Album Id", text=text))
    if cover:
        id3.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    return id3


def _tag_mp4(path: Path, tags: dict, cover: bytes | None) -> None:
    keys = {
        "title": "\xa9nam",
        "artist": "\xa9ART",
        "album": "\xa9alb",
        "albumartist": "aART",
        "genre": "\xa9gen",
        "date": "\xa9day",
    }
    freeform = {
        "musicbrainz_trackid": "MusicBrainz Track Id",
        "musicbrainz_artistid": "MusicBrainz Artist Id",
        "musicbrainz_albumid": "MusicBrainz Album Id",
    }
    audio = MP4(path)
    for key, value in tags.items():
        if key in keys:
            audio[keys[key]] = value if isinstance(value, list) else [str(value)]
        elif key == "tracknumber":
            audio["trkn"] = [(int(str(value).split("/")[0]), 0)]
        elif key == "discnumber":
            audio["disk"] = [(int(str(value).split("/")[0]), 0)]
        elif key in freeform:
            audio[f"----:com.apple.iTunes:{freeform[key]}"] = [MP4FreeForm(str(value).encode())]
    if cover:
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.save()


def _atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_atom(kind: bytes, payload: bytes, flags: int = 0) -> bytes:
    return _atom(kind, b"\x00" + flags.to_bytes(3, "big") + payload)


def _descriptor(tag: int, payload: bytes) -> bytes:
    return bytes([tag, len(payload)]) + payload


AAC_SAMPLE_RATES = [
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
]


def build_m4a(*, seconds: float = 1.0, sample_rate: int = 44100, channels: int = 2) -> bytes:
    """A structurally valid M4A (ftyp, moov with an AAC-LC track, mdat) without encoded audio.

    Nothing installed here encodes AAC, so the sample data is empty; mutagen reads and
    writes such a file like any iTunes M4A, which is all the tag and scanner tests need.
    """
    duration = int(seconds * sample_rate)
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _full_atom(
        b"mvhd",
        struct.pack(">4I", 0, 0, sample_rate, duration)
        + struct.pack(">IH", 0x10000, 0x100)
        + bytes(10)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2),
    )
    tkhd = _full_atom(
        b"tkhd",
        struct.pack(">5I", 0, 0, 1, 0, duration)
        + bytes(8)
        + struct.pack(">hhhH", 0, 0, 0x100, 0)
        + matrix
        + struct.pack(">II", 0, 0),
        flags=7,
    )
    mdhd = _full_atom(b"mdhd", struct.pack(">4I", 0, 0, sample_rate, duration) + bytes(4))
    hdlr = _full_atom(b"hdlr", bytes(4) + b"soun" + bytes(12) + b"SoundHandler\x00")
    frequency = AAC_SAMPLE_RATES.index(sample_rate)
    config = ((2 << 11) | (frequency << 7) | (channels << 3)).to_bytes(2, "big")  # AAC LC
    decoder = _descriptor(
        0x04,
        bytes([0x40, 0x15])
        + bytes(3)
        + struct.pack(">II", 128000, 128000)
        # objectType 0x40 (MPEG-4 audio), stream type 5 (audio)
        + _descriptor(0x05, config),
    )
    esds = _full_atom(
        b"esds", _descriptor(0x03, struct.pack(">HB", 1, 0) + decoder + _descriptor(6, b"\x02"))
    )
    mp4a = _atom(
        b"mp4a",
        bytes(6)
        + struct.pack(">H", 1)
        + bytes(8)
        + struct.pack(">HHHHI", channels, 16, 0, 0, sample_rate << 16)
        + esds,
    )
    stbl = _atom(
        b"stbl",
        _full_atom(b"stsd", struct.pack(">I", 1) + mp4a)
        + _full_atom(b"stts", bytes(4))
        + _full_atom(b"stsc", bytes(4))
        + _full_atom(b"stsz", bytes(8))
        + _full_atom(b"stco", bytes(4)),
    )
    dinf = _atom(b"dinf", _full_atom(b"dref", struct.pack(">I", 1) + _full_atom(b"url ", b"", 1)))
    minf = _atom(b"minf", _full_atom(b"smhd", bytes(4)) + dinf + stbl)
    trak = _atom(b"trak", tkhd + _atom(b"mdia", mdhd + hdlr + minf))
    ftyp = _atom(b"ftyp", b"M4A " + bytes(4) + b"M4A mp42isom")
    return ftyp + _atom(b"moov", mvhd + trak) + _atom(b"mdat", bytes(64))


@pytest.fixture
def audio_file():
    """``audio_file(path, seconds=..., tags={...}, cover=...)`` writes a real audio file."""
    return write_audio
