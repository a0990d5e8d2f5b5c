"""Lyrics as the scanner finds them: embedded in the tags (ID3 USLT and SYLT, the LYRICS
Vorbis comment of FLAC and Ogg, MP4's ©lyr) and in an ``.lrc`` file beside the audio (same
stem). Each becomes a ``FoundLyrics``: lines, synced (with start times in ms) when the text
has ``[mm:ss.xx]`` timestamps, a language and an offset.

LRC is read leniently, as players do: ``[mm:ss]``, ``[mm:ss.x]``, ``[mm:ss.xx]``,
``[mm:ss.xxx]`` and ``[mm:ss:xx]``, several timestamps before one line, the ``[offset:±ms]``,
``[la:]``/``[lang:]`` headers; other headers (``[ar:]``, ``[ti:]``, ...) are skipped, and a
line with a malformed timestamp is ignored rather than shown with its brackets.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

# ISO 639-2 for "undetermined", what the OpenSubsonic spec asks when the language is unknown.
UNKNOWN_LANGUAGE = "und"
# Far beyond any song's lyrics: a bigger sidecar is not lyrics, and is not read whole.
MAX_LRC_BYTES = 256 * 1024
MAX_LINES = 2000
MAX_LINE_LENGTH = 1000
LRC_SOURCE = "lrc"

_TIMESTAMP = re.compile(r"\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]")
_LEADING_TAG = re.compile(r"^\[([^\]]*)\]")
_HEADER = re.compile(r"^\[([A-Za-z#]+):(.*)\]\s*$")


@dataclass(frozen=True)
class LyricLine:
    text: str
    start_ms: int | None = None  # None: not synced


@dataclass
class FoundLyrics:
    lines: list[LyricLine] = field(default_factory=list)
    synced: bool = False
    lang: str = UNKNOWN_LANGUAGE
    offset_ms: int = 0
    source: str = ""  # "lrc", "uslt", "sylt", "vorbis", "mp4"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _clean(text: str) -> str:
    # Control characters (a NUL from a broken tag) are no lyrics; PostgreSQL refuses NUL.
    cleaned = "".join(ch for ch in text if ch == "\t" or ch >= " ")
    return cleaned.strip()[:MAX_LINE_LENGTH]


def _timestamp_ms(minutes: str, seconds: str, fraction: str | None) -> int | None:
    if int(seconds) >= 60:
        return None
    ms = 0
    if fraction:
        # ".5" is half a second, ".05" five hundredths, ".005" five thousandths.
        ms = int(fraction.ljust(3, "0")[:3])
    return (int(minutes) * 60 + int(seconds)) * 1000 + ms


def _language(value: str) -> str:
    value = value.strip().lower()
    return value if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", value) else UNKNOWN_LANGUAGE


def parse_lrc(text: str, *, lang: str = UNKNOWN_LANGUAGE, source: str = "lrc"):
    """The lyrics of an LRC text (or plain text: every non-empty line, unsynced); None when
    there is no line of lyrics in it."""
    synced: list[LyricLine] = []
    plain: list[LyricLine] = []
    offset_ms = 0
    language = _language(lang) if lang else UNKNOWN_LANGUAGE
    for raw_line in text.splitlines()[: MAX_LINES * 2]:
        line = raw_line.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header and not _TIMESTAMP.match(line):
            name, value = header.group(1).lower(), header.group(2).strip()
            if name == "offset":
                with contextlib.suppress(ValueError):
                    offset_ms = int(value)
            elif name in ("la", "lang", "language"):
                language = _language(value)
            continue  # [ar:], [ti:], [al:], [by:], [length:], ... are no lyrics
        starts: list[int] = []
        malformed = False
        rest = line
        while (tag := _LEADING_TAG.match(rest)) is not None:
            stamp = _TIMESTAMP.match(rest)
            if stamp is None or stamp.end() != tag.end():
                malformed = True
                break
            start = _timestamp_ms(*stamp.groups())
            if start is None:
                malformed = True
                break
            starts.append(start)
            rest = rest[stamp.end() :]
        if malformed:
            continue  # "[1:xx] words", "[lyrics]": neither a header nor a line we can place
        words = _clean(rest)
        if starts:
            synced.extend(LyricLine(words, start) for start in starts)
        elif words:
            plain.append(LyricLine(words))
    if synced:
        synced.sort(key=lambda line: line.start_ms)
        return FoundLyrics(synced[:MAX_LINES], True, language, offset_ms, source)
    if plain:
        return FoundLyrics(plain[:MAX_LINES], False, language, 0, source)
    return None


def from_sylt(frame) -> FoundLyrics | None:
    """An ID3 SYLT frame (synchronised lyrics): only times in milliseconds can be placed
    (format 2); times in MPEG frames (format 1) depend on the encoding and are skipped."""
    if getattr(frame, "format", None) != 2:
        return None
    lines = [
        LyricLine(_clean(str(text)), int(time))
        for text, time in (frame.text or [])[:MAX_LINES]
        if isinstance(time, int) and time >= 0
    ]
    lines = [line for line in lines if line.text or line.start_ms is not None]
    if not lines:
        return None
    lines.sort(key=lambda line: line.start_ms)
    return FoundLyrics(lines, True, _language(str(frame.lang or "")), 0, "sylt")


def from_id3(tags) -> list[FoundLyrics]:
    found = []
    for frame in tags.getall("SYLT"):
        lyrics = from_sylt(frame)
        if lyrics is not None:
            found.append(lyrics)
    for frame in tags.getall("USLT"):
        # Taggers often store LRC text in USLT: its timestamps make it synced.
        lyrics = parse_lrc(str(frame.text or ""), lang=str(frame.lang or ""), source="uslt")
        if lyrics is not None:
            found.append(lyrics)
    return found


def from_texts(texts: list[str], source: str) -> list[FoundLyrics]:
    found = []
    for text in texts:
        lyrics = parse_lrc(str(text), source=source)
        if lyrics is not None:
            found.append(lyrics)
    return found


def lrc_beside(audio_path: Path) -> FoundLyrics | None:
    """The ``.lrc`` file next to the audio file with the same stem (any case of ``.lrc``)."""
    for suffix in (".lrc", ".LRC", ".Lrc"):
        candidate = audio_path.with_suffix(suffix)
        try:
            if not candidate.is_file():
                continue
            with open(candidate, "rb") as handle:
                data = handle.read(MAX_LRC_BYTES)
        except OSError:
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # older LRC files: Windows-1252 or Latin-1
        return parse_lrc(text, source=LRC_SOURCE)
    return None
