"""Reading tags and technical facts from audio files, with mutagen.

``read_tags(path)`` returns a plain ``AudioTags`` for MP3, FLAC, Ogg Vorbis, Opus, M4A (AAC
or ALAC) and WAV files, or a ``TagError`` saying why the file cannot be used; it never
raises for a bad file. The values each container stores are read by ``tag_formats`` and
sanitised on the way in by ``tag_values`` (NUL and control characters, absurd numbers,
endless strings); each correction is recorded in ``warnings`` so the scan report can tell
the operator what was fixed.
"""

from dataclasses import dataclass, field
from pathlib import Path

from mutagen import File as MutagenFile
from mutagen import MutagenError
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from rubysound.catalog.library.lyrics import FoundLyrics, from_id3, from_texts
from rubysound.catalog.library.tag_formats import (
    RawTags,
    raw_from_id3,
    raw_from_mp4,
    raw_from_vorbis_comments,
)
from rubysound.catalog.library.tag_values import (
    clean_duration,
    clean_genres,
    clean_mbid,
    clean_number,
    clean_tag_text,
    clean_year,
    first_value,
    pick_cover,
    positive_int,
)
from rubysound.core.text import fold

# File name endings the scanner treats as audio; anything else is ignored as "not audio".
AUDIO_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".wav"})

UNKNOWN_ARTIST = "Unknown Artist"

_MUTAGEN_TYPES = [MP3, FLAC, OggVorbis, OggOpus, MP4, WAVE]


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
    # Embedded in the tags; the scanner adds an .lrc file found beside the audio.
    lyrics: list[FoundLyrics] = field(default_factory=list)
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


def _extract(path: Path, audio, size: int) -> AudioTags:
    if isinstance(audio, MP4):
        raw = raw_from_mp4(audio)
    elif isinstance(audio, (FLAC, OggVorbis, OggOpus)):
        raw = raw_from_vorbis_comments(audio)
    elif isinstance(audio.tags, ID3):  # MP3, and WAV with an ID3 chunk
        raw = raw_from_id3(audio.tags)
    else:
        raw = RawTags()
    fmt, codec = _format_and_codec(audio)
    warnings: list[str] = []
    info = audio.info

    title = clean_tag_text(first_value(raw.title), "title", warnings) or clean_tag_text(
        path.stem, "file name", warnings
    )
    artist = clean_tag_text(first_value(raw.artist), "artist", warnings)
    if not fold(artist):
        artist = UNKNOWN_ARTIST
    album = clean_tag_text(first_value(raw.album), "album", warnings)
    album_artist = clean_tag_text(first_value(raw.album_artist), "album artist", warnings)
    if not fold(album_artist):
        album_artist = ""

    duration = clean_duration(getattr(info, "length", None), warnings)
    bitrate = positive_int(getattr(info, "bitrate", None))
    if bitrate is None and duration:
        bitrate = positive_int(size * 8 / duration)
    sample_rate = positive_int(getattr(info, "sample_rate", None))
    if sample_rate is None and fmt == "opus":
        sample_rate = 48000  # Opus always decodes at 48 kHz
    channels = positive_int(getattr(info, "channels", None))
    if channels is not None and channels > 255:
        channels = None

    cover, cover_mime = pick_cover(raw.covers, warnings)
    try:
        lyrics = _embedded_lyrics(audio)
    except Exception as exc:  # odd lyrics frames must not cost the track its other tags
        warnings.append(f"unreadable lyrics ({type(exc).__name__})")
        lyrics = []
    return AudioTags(
        title=title,
        artist=artist,
        album=album,
        album_artist=album_artist,
        genres=clean_genres(raw.genres, warnings),
        track_number=clean_number(first_value(raw.track), "track number", warnings),
        disc_number=clean_number(first_value(raw.disc), "disc number", warnings),
        year=clean_year(raw.date, warnings),
        duration=duration,
        format=fmt,
        codec=codec,
        bitrate=bitrate,
        sample_rate=sample_rate,
        channels=channels,
        mbid=clean_mbid(first_value(raw.mbid)),
        artist_mbid=clean_mbid(first_value(raw.artist_mbid)),
        album_mbid=clean_mbid(first_value(raw.album_mbid)),
        album_artist_mbid=clean_mbid(first_value(raw.album_artist_mbid)),
        cover=cover,
        cover_mime=cover_mime,
        lyrics=lyrics,
        warnings=warnings,
    )


def _embedded_lyrics(audio) -> list[FoundLyrics]:
    tags = audio.tags
    if tags is None:
        return []
    if isinstance(audio, MP4):
        return from_texts([str(value) for value in tags.get("\xa9lyr") or []], "mp4")
    if isinstance(audio, (FLAC, OggVorbis, OggOpus)):
        texts = [*(tags.get("lyrics") or []), *(tags.get("unsyncedlyrics") or [])]
        return from_texts([str(value) for value in texts], "vorbis")
    if isinstance(tags, ID3):
        return from_id3(tags)
    return []


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
