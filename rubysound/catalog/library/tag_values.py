"""Tag values made safe: one line of bounded text, plausible numbers, real MBIDs.

Every correction is recorded in ``warnings`` (the caller's list) so the scan report can
tell the operator what was fixed.
"""

import math
import re
import uuid

from rubysound.core.text import fold

MAX_TEXT = 255  # the model's CharField length
MAX_GENRE = 64
MAX_GENRES = 8
MAX_COVER_BYTES = 16 * 1024 * 1024
YEAR_RANGE = (1000, 2100)
NUMBER_RANGE = (1, 999)
MAX_DURATION = 7 * 24 * 3600.0  # a week: anything longer is a broken header
MAX_INT32 = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE_CONTROL = re.compile(r"[\t\r\n]+")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,9})")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_GENRE_SEPARATORS = re.compile(r"\s*[;/,|\x00]\s*")
_IMAGE_MIMES = {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif"}


def first_value(values: list[str]) -> str:
    """The first value that is more than NULs and whitespace ("" when none is)."""
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


def clean_tag_text(value: str, label: str, warnings: list[str], limit: int = MAX_TEXT) -> str:
    """``clean_text`` of a tag, noting in ``warnings`` what had to be removed or cut."""
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


def clean_number(value: str, label: str, warnings: list[str]) -> int | None:
    return _bounded_match(value, _LEADING_NUMBER, NUMBER_RANGE, label, "not a number", warnings)


def clean_year(values: list[str], warnings: list[str]) -> int | None:
    return _bounded_match(first_value(values), _YEAR, YEAR_RANGE, "year", "no year in it", warnings)


def clean_duration(value, warnings: list[str]) -> float | None:
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


def positive_int(value) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number <= 0 or number > MAX_INT32:
        return None
    return round(number)


def clean_genres(values: list[str], warnings: list[str]) -> list[str]:
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


def clean_mbid(value: str) -> str | None:
    value = value.strip().strip("\x00")
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def pick_cover(
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
