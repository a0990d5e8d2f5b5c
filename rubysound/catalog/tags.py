"""Reading tags and technical facts from audio files, with mutagen.

``read_tags(path)`` returns a plain ``AudioTags`` for MP3, FLAC, Ogg Vorbis, Opus, M4A (AAC
or ALAC) and WAV files, or a ``TagError`` saying why the file cannot be used; it never
raises for a bad file. Every value is sanitised on the way in (NUL and control characters,
absurd numbers, endless strings), and each correction is recorded in ``warnings`` so the
scan report can tell the operator what was fixed.
"""

import base64
import math
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mutagen import File as MutagenFile
from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from .text import fold

# File name endings the scanner treats as audio; anything else is ignored as "not audio".
AUDIO_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".wav"})

UNKNOWN_ARTIST = "Unknown Artist"
MAX_TEXT = 255  # the model's CharField length
MAX_GENRE = 64
MAX_GENRES = 8
MAX_COVER_BYTES = 16 * 1024 * 1024
YEAR_RANGE = (1000, 2100)
NUMBER_RANGE = (1, 999)
MAX_DURATION = 7 * 24 * 3600.0  # a week: anything longer is a broken header
MAX_INT32 = 2**31 - 1

_MUTAGEN_TYPES = [MP3, FLAC, OggVorbis, OggOpus, MP4, WAVE]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE_CONTROL = re.compile(r"[\t\r\n]+")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,9})")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_GENRE_SEPARATORS = re.compile(r"\s*[;/,|\x00]\s*")
_IMAGE_MIMES = {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif"}


@dataclass
class AudioTags:
    """What a file tells about itself: tags, after sanitising, and stream facts."""

    title: str
    artist: str
    album: str = ""
    album_artist: str = ""
    genres: list[str] = field(default_factory=list)
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    duration: float | None = None
    format: str = ""  # mp3, flac, ogg, opus, m4a, wav
    codec: str = ""  # mp3, flac, vorbis, opus, aac, alac, pcm
    bitrate: int | None = None  # bit/s
    sample_rate: int | None = None
    channels: int | None = None
    mbid: str | None = None  # MusicBrainz recording id
    artist_mbid: str | None = None
    album_mbid: str | None = None  # MusicBrainz release id
    album_artist_mbid: str | None = None
    cover: bytes | None = None
    cover_mime: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TagError:
    """Why a file could not be read as audio, in words for the scan report."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def read_tags(path: Path | str) -> AudioTags | TagError:
    """Tags and stream facts of one file, or a TagError. Never raises for a bad file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except PermissionError:
        return TagError("permission denied")
    except OSError as exc:
        return TagError(f"cannot read the file: {exc.strerror or exc}")
    if size == 0:
        return TagError("empty file (0 bytes)")
    mismatch = ""
    try:
        audio = MutagenFile(path, options=_MUTAGEN_TYPES)
    except PermissionError:
        return TagError("permission denied")
    except Exception as exc:  # MutagenError, or struct.error, IndexError... on hostile bytes
        # mutagen trusts the extension over the content: an Ogg file named .flac fails as
        # FLAC. Judge by the content alone before giving up.
        audio = _open_by_content(path)
        if audio is None:
            if isinstance(exc, MutagenError):
                return TagError(_describe_mutagen_error(path, exc))
            return TagError(f"unreadable audio file ({type(exc).__name__}: {exc})")
        mismatch = f"content is {type(audio).__name__}, not what the name {path.suffix} says"
    if audio is None:
        return TagError("not a recognisable audio file (MP3, FLAC, Ogg, Opus, M4A or WAV)")
    try:
        tags = _extract(path, audio, size)
    except Exception as exc:  # a tag that parses but holds nonsense must not stop a scan
        return TagError(f"unreadable tags ({type(exc).__name__}: {exc})")
    if mismatch:
        tags.warnings.append(mismatch)
    return tags


def _open_by_content(path: Path):
    """The mutagen type the file's first bytes (not its name) point at, loaded; or None."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(128)
            scored = [(kind.score("", handle, header), kind) for kind in _MUTAGEN_TYPES]
    except OSError:
        return None
    for score, kind in sorted(scored, key=lambda item: -item[0]):
        if score <= 0:
            break
        try:
            return kind(path)
        except Exception:  # noqa: S112 - the next candidate may fit
            continue
    return None


def _describe_mutagen_error(path: Path, exc: Exception) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, PermissionError) or isinstance(exc, PermissionError):
        return "permission denied"
    kind = path.suffix.lower().lstrip(".").upper() or "audio"
    detail = str(exc).replace(str(path), path.name).strip() or type(exc).__name__
    return f"not a valid {kind} file: {detail}"


# --- Extraction -------------------------------------------------------------------------


@dataclass
class _Raw:
    """Tag values as found, before sanitising (lists of strings)."""

    title: list[str] = field(default_factory=list)
    artist: list[str] = field(default_factory=list)
    album: list[str] = field(default_factory=list)
    album_artist: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    track: list[str] = field(default_factory=list)
    disc: list[str] = field(default_factory=list)
    date: list[str] = field(default_factory=list)
    mbid: list[str] = field(default_factory=list)
    artist_mbid: list[str] = field(default_factory=list)
    album_mbid: list[str] = field(default_factory=list)
    album_artist_mbid: list[str] = field(default_factory=list)
    covers: list[tuple[int, str, bytes]] = field(default_factory=list)  # (type, mime, data)


def _extract(path: Path, audio, size: int) -> AudioTags:
    if isinstance(audio, MP4):
        raw = _raw_from_mp4(audio)
    elif isinstance(audio, (FLAC, OggVorbis, OggOpus)):
        raw = _raw_from_vorbis_comments(audio)
    elif isinstance(audio.tags, ID3):  # MP3, and WAV with an ID3 chunk
        raw = _raw_from_id3(audio.tags)
    else:
        raw = _Raw()
    fmt, codec = _format_and_codec(audio)
    warnings: list[str] = []
    info = audio.info

    title = _clean_text(_first(raw.title), "title", warnings) or _clean_text(
        path.stem, "file name", warnings
    )
    artist = _clean_text(_first(raw.artist), "artist", warnings)
    if not fold(artist):
        artist = UNKNOWN_ARTIST
    album = _clean_text(_first(raw.album), "album", warnings)
    album_artist = _clean_text(_first(raw.album_artist), "album artist", warnings)
    if not fold(album_artist):
        album_artist = ""

    duration = _clean_duration(getattr(info, "length", None), warnings)
    bitrate = _positive_int(getattr(info, "bitrate", None))
    if bitrate is None and duration:
        bitrate = _positive_int(size * 8 / duration)
    sample_rate = _positive_int(getattr(info, "sample_rate", None))
    if sample_rate is None and fmt == "opus":
        sample_rate = 48000  # Opus always decodes at 48 kHz
    channels = _positive_int(getattr(info, "channels", None))
    if channels is not None and channels > 255:
        channels = None

    cover, cover_mime = _pick_cover(raw.covers, warnings)
    return AudioTags(
        title=title,
        artist=artist,
        album=album,
        album_artist=album_artist,
        genres=_clean_genres(raw.genres, warnings),
        track_number=_clean_number(_first(raw.track), "track number", warnings),
        disc_number=_clean_number(_first(raw.disc), "disc number", warnings),
        year=_clean_year(raw.date, warnings),
        duration=duration,
        format=fmt,
        codec=codec,
        bitrate=bitrate,
        sample_rate=sample_rate,
        channels=channels,
        mbid=_clean_mbid(_first(raw.mbid)),
        artist_mbid=_clean_mbid(_first(raw.artist_mbid)),
        album_mbid=_clean_mbid(_first(raw.album_mbid)),
        album_artist_mbid=_clean_mbid(_first(raw.album_artist_mbid)),
        cover=cover,
        cover_mime=cover_mime,
        warnings=warnings,
    )


def _format_and_codec(audio) -> tuple[str, str]:
    if isinstance(audio, MP3):
        layer = getattr(audio.info, "layer", 3)
        return "mp3", {1: "mp1", 2: "mp2"}.get(layer, "mp3")
    if isinstance(audio, FLAC):
        return "flac", "flac"
    if isinstance(audio, OggOpus):
        return "opus", "opus"
    if isinstance(audio, OggVorbis):
        return "ogg", "vorbis"
    if isinstance(audio, MP4):
        codec = str(getattr(audio.info, "codec", "") or "")
        if codec.startswith("mp4a.40") or codec == "mp4a":
            return "m4a", "aac"
        return "m4a", codec[:32] or "unknown"
    if isinstance(audio, WAVE):
        return "wav", "pcm"
    return "", ""


def _raw_from_id3(tags: ID3) -> _Raw:
    def text(key: str) -> list[str]:
        frame = tags.get(key)
        return [str(value) for value in frame.text] if frame is not None else []

    raw = _Raw(
        title=text("TIT2"),
        artist=text("TPE1"),
        album=text("TALB"),
        album_artist=text("TPE2"),
        track=text("TRCK"),
        disc=text("TPOS"),
        date=text("TDRC") or text("TYER") or text("TDOR") or text("TORY"),
        artist_mbid=text("TXXX:MusicBrainz Artist Id"),
        album_mbid=text("TXXX:MusicBrainz Album Id"),
        album_artist_mbid=text("TXXX:MusicBrainz Album Artist Id"),
    )
    genre = tags.get("TCON")
    if genre is not None:
        raw.genres = [str(value) for value in genre.genres]
    ufid = tags.get("UFID:http://musicbrainz.org")
    if ufid is not None:
        raw.mbid = [ufid.data.decode("ascii", "replace")]
    for frame in tags.getall("APIC"):
        raw.covers.append((int(frame.type), str(frame.mime), bytes(frame.data)))
    return raw


def _raw_from_vorbis_comments(audio) -> _Raw:
    tags = audio.tags

    def text(*keys: str) -> list[str]:
        if tags is None:
            return []
        for key in keys:
            values = tags.get(key)
            if values:
                return [str(value) for value in values]
        return []

    raw = _Raw(
        title=text("title"),
        artist=text("artist"),
        album=text("album"),
        album_artist=text("albumartist", "album artist", "album_artist"),
        genres=text("genre"),
        track=text("tracknumber"),
        disc=text("discnumber"),
        date=text("date", "year", "originaldate"),
        mbid=text("musicbrainz_trackid"),
        artist_mbid=text("musicbrainz_artistid"),
        album_mbid=text("musicbrainz_albumid"),
        album_artist_mbid=text("musicbrainz_albumartistid"),
    )
    if isinstance(audio, FLAC):
        for picture in audio.pictures:
            raw.covers.append((int(picture.type), picture.mime, bytes(picture.data)))
    for encoded in text("metadata_block_picture"):
        try:
            picture = Picture(base64.b64decode(encoded))
        except Exception:  # noqa: S112 - a broken picture block is skipped, the tags stay
            continue
        raw.covers.append((int(picture.type), picture.mime, bytes(picture.data)))
    return raw


_MP4_FREEFORM = "----:com.apple.iTunes:"


def _raw_from_mp4(audio: MP4) -> _Raw:
    tags = audio.tags or {}

    def text(key: str) -> list[str]:
        values = tags.get(key) or []
        out = []
        for value in values:
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            out.append(str(value))
        return out

    def pair(key: str) -> list[str]:
        values = tags.get(key) or []
        return [str(values[0][0])] if values and values[0] else []

    raw = _Raw(
        title=text("\xa9nam"),
        artist=text("\xa9ART"),
        album=text("\xa9alb"),
        album_artist=text("aART"),
        genres=text("\xa9gen"),
        track=pair("trkn"),
        disc=pair("disk"),
        date=text("\xa9day"),
        mbid=text(_MP4_FREEFORM + "MusicBrainz Track Id"),
        artist_mbid=text(_MP4_FREEFORM + "MusicBrainz Artist Id"),
        album_mbid=text(_MP4_FREEFORM + "MusicBrainz Album Id"),
        album_artist_mbid=text(_MP4_FREEFORM + "MusicBrainz Album Artist Id"),
    )
    for cover in tags.get("covr") or []:
        mime = "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
        raw.covers.append((3, mime, bytes(cover)))
    return raw


# --- Sanitising -------------------------------------------------------------------------


def _first(values: list[str]) -> str:
    for value in values:
        if value and value.strip("\x00 \t\r\n"):
            return value
    return ""


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """One line of safe text: no NUL or control characters, no lone surrogates, bounded."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = _WHITESPACE_CONTROL.sub(" ", value)
    value = _CONTROL.sub("", value).strip()
    return value[:limit].rstrip()


def _clean_text(value: str, label: str, warnings: list[str], limit: int = MAX_TEXT) -> str:
    if not value:
        return ""
    cleaned = clean_text(value, limit)
    if "\x00" in value or _CONTROL.search(value):
        warnings.append(f"{label}: control characters removed")
    if len(value.strip()) > limit:
        warnings.append(f"{label}: {len(value)} characters, truncated to {limit}")
    return cleaned


def _bounded_match(
    value: str, pattern, bounds: tuple[int, int], label: str, why: str, warnings: list[str]
) -> int | None:
    """The number ``pattern`` finds in a tag value, if within bounds; else a warning."""
    if not value:
        return None
    match = pattern.search(value)
    if not match:
        warnings.append(f"{label} {clean_text(value, 20)!r} ignored: {why}")
        return None
    number = int(match.group(1))
    low, high = bounds
    if not low <= number <= high:
        warnings.append(f"{label} {number} ignored: outside {low}..{high}")
        return None
    return number


def _clean_number(value: str, label: str, warnings: list[str]) -> int | None:
    return _bounded_match(value, _LEADING_NUMBER, NUMBER_RANGE, label, "not a number", warnings)


def _clean_year(values: list[str], warnings: list[str]) -> int | None:
    return _bounded_match(_first(values), _YEAR, YEAR_RANGE, "year", "no year in it", warnings)


def _clean_duration(value, warnings: list[str]) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_DURATION:
        warnings.append(f"duration {value!r} ignored: not a plausible length")
        return None
    return round(seconds, 3)


def _positive_int(value) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number <= 0 or number > MAX_INT32:
        return None
    return round(number)


def _clean_genres(values: list[str], warnings: list[str]) -> list[str]:
    genres: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in _GENRE_SEPARATORS.split(value):
            name = clean_text(part, MAX_GENRE)
            key = fold(name)
            if not key or key in seen:
                continue
            seen.add(key)
            genres.append(name)
    if len(genres) > MAX_GENRES:
        warnings.append(f"{len(genres)} genres, kept the first {MAX_GENRES}")
        genres = genres[:MAX_GENRES]
    return genres


def _clean_mbid(value: str) -> str | None:
    value = value.strip().strip("\x00")
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _pick_cover(
    covers: list[tuple[int, str, bytes]], warnings: list[str]
) -> tuple[bytes | None, str]:
    """The front cover if tagged as such, else the first picture; oversized ones are skipped."""
    usable = []
    for kind, mime, data in covers:
        mime = (mime or "").lower()
        if not data or (mime and mime not in _IMAGE_MIMES and not mime.startswith("image/")):
            continue
        if len(data) > MAX_COVER_BYTES:
            warnings.append(f"embedded picture of {len(data) // 1024} KB ignored: too large")
            continue
        usable.append((kind != 3, mime, data))  # front covers (type 3) first
    if not usable:
        return None, ""
    usable.sort(key=lambda item: item[0])
    _, mime, data = usable[0]
    return data, mime or "image/jpeg"
